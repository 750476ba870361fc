"""The mock engine compares assets and archives by content, as the Pulumi engine does: re-registering an equal
archive (a new object with the same files) is no change, and a changed file is one."""

from pathlib import Path

import pulumi

from ai_keys.testing.engine import RegisteredResource, _same, comparable
from ai_keys.testing.lifecycle import _diff


def _archive(tmp_path: Path, text: str) -> pulumi.AssetArchive:
    path = tmp_path / f"handler-{abs(hash(text))}.py"
    path.write_text(text)
    return pulumi.AssetArchive({"index.py": pulumi.FileAsset(str(path)), "VERSION": pulumi.StringAsset("1")})


def test_equal_archives_are_no_change_and_a_changed_file_is_one(tmp_path: Path) -> None:
    first, again, changed = _archive(tmp_path, "a = 1\n"), _archive(tmp_path, "a = 1\n"), _archive(tmp_path, "a = 2\n")
    assert first is not again
    assert _same({"code": first, "runtime": "python3.12"}, {"code": again, "runtime": "python3.12"})
    assert not _same({"code": first}, {"code": changed})
    assert comparable({"code": first}) == comparable({"code": again}) != comparable({"code": changed})


def _registered(code: pulumi.AssetArchive) -> RegisteredResource:
    return RegisteredResource(
        type="aws:lambda/function:Function", name="rotator", urn="urn:rotator", parent_urn="", custom=True, inputs={"code": code}
    )


def test_the_lifecycle_harness_sees_only_a_changed_archive(tmp_path: Path) -> None:
    first, again, changed = _archive(tmp_path, "a = 1\n"), _archive(tmp_path, "a = 1\n"), _archive(tmp_path, "a = 2\n")
    assert _diff(_registered(first), _registered(again), set()) == (set(), set())
    changed_paths, _ = _diff(_registered(first), _registered(changed), set())
    assert changed_paths == {"code"}
