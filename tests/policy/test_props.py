"""Reading properties: SDK proxies, unknown values, secrets, paths."""

from __future__ import annotations

import json

import pulumi
import pytest
from ai_keys_policy.props import UNKNOWN, get, is_present, iter_strings, join_path, parse_json, reveal, to_plain
from pulumi_policy import Secret
from pulumi_policy.proxy import UNKNOWN_STRING_VALUE, UnknownValueError, unknown_checking_proxy


def test_sdk_proxy_raises_on_unknown_values_and_to_plain_does_not():
    """The reason to_plain exists: reading an unknown through the SDK's proxy raises."""
    proxied = unknown_checking_proxy({"arn": UNKNOWN_STRING_VALUE, "env": {"A": "x", "B": UNKNOWN_STRING_VALUE}})
    with pytest.raises(UnknownValueError):
        _ = proxied["arn"]
    assert to_plain(proxied) == {"arn": UNKNOWN, "env": {"A": "x", "B": UNKNOWN}}


def test_to_plain_keeps_secrets_and_lists():
    secret = Secret("hidden")
    plain = to_plain(unknown_checking_proxy({"a": [1, secret, UNKNOWN_STRING_VALUE], "b": None}))
    assert plain["a"][0] == 1
    assert plain["a"][1] is secret
    assert plain["a"][2] is UNKNOWN
    assert plain["b"] is None


def test_iter_strings_skips_secrets_and_unknowns_and_expands_json():
    props = {
        "name": "fn",
        "hidden": Secret("never-yielded"),
        "later": UNKNOWN,
        "nested": {"list": ["x", {"deep": "y"}], "odd.key": "z"},
        "doc": json.dumps({"Statement": [{"Sid": "s1"}]}),
        "notJson": "{not json",
        "code": pulumi.AssetArchive({"index.py": pulumi.StringAsset("print(1)")}),
    }
    assert dict(iter_strings(props)) == {
        "name": "fn",
        "nested.list[0]": "x",
        "nested.list[1].deep": "y",
        'nested["odd.key"]': "z",
        "doc.Statement[0].Sid": "s1",
        "notJson": "{not json",
        'code["index.py"]': "print(1)",
    }


def test_join_path():
    assert join_path("", "a") == "a"
    assert join_path("a", "b_c") == "a.b_c"
    assert join_path("a", 3) == "a[3]"
    assert join_path("a", "x-y") == 'a["x-y"]'


def test_parse_json_only_objects_and_arrays():
    assert parse_json('  {"a": 1}') == {"a": 1}
    assert parse_json("[1]") == [1]
    assert parse_json('"str"') is None
    assert parse_json("12") is None
    assert parse_json("{broken") is None


def test_get_stops_at_secrets_unless_asked_to_reveal():
    props = {"a": Secret({"b": "inner"}), "u": UNKNOWN, "l": [{"x": 1}]}
    assert isinstance(get(props, "a", "b"), Secret)
    assert get(props, "a", "b", reveal_secrets=True) == "inner"
    assert get(props, "u", "anything") is UNKNOWN
    assert get(props, "l", 0, "x") == 1
    assert get(props, "l", 5, "x") is None
    assert get(props, "missing", "x") is None
    assert get("not a dict", "x") is None


def test_reveal_and_is_present():
    assert reveal(Secret(Secret("v"))) == "v"
    assert is_present("x")
    assert is_present(0)
    assert is_present(UNKNOWN)
    assert is_present(Secret("x"))
    assert not is_present(None)
    assert not is_present("")
    assert not is_present([])
    assert not is_present({})
    assert not is_present(Secret(""))
