"""The mock engine refuses what the real engine refuses, so a program that cannot deploy fails its tests."""

import logging

import pulumi
import pulumi_aws as aws
import pytest

from ai_keys.testing import MockEngine, mock_pulumi


def test_two_resources_with_the_same_urn_fail_the_run(engine: MockEngine) -> None:
    with pytest.raises(ValueError, match=r"Duplicate resource URN '.*aws:s3/bucket:Bucket::logs'"):
        engine.run(lambda: [aws.s3.Bucket("logs"), aws.s3.Bucket("logs")])
    assert [r.name for r in engine.find("aws:s3/bucket:Bucket")] == ["logs"]


def test_the_same_name_under_different_parents_or_types_is_allowed(engine: MockEngine) -> None:
    def program() -> None:
        group = pulumi.ComponentResource("test:index:Group", "grp")
        aws.s3.Bucket("logs")
        aws.s3.Bucket("logs", opts=pulumi.ResourceOptions(parent=group))
        aws.sqs.Queue("logs")

    engine.run(program)
    assert len(engine.find(name="logs")) == 3


def test_each_engine_starts_with_no_urns() -> None:
    for _ in range(2):
        with mock_pulumi() as engine:
            engine.run(lambda: aws.s3.Bucket("logs"))
            assert len(engine.find("aws:s3/bucket:Bucket", "logs")) == 1


def test_each_run_unregisters_its_logger() -> None:
    with mock_pulumi() as engine:
        name = engine.logger.name
        assert name in logging.root.manager.loggerDict
    assert name not in logging.root.manager.loggerDict
