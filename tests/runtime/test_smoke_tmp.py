def test_smoke(make_cache, make_aws_secret, make_gcp_secret, kv_stub, new_value):
    cache = make_cache()
    v1, v2, v3 = new_value(), new_value(), new_value()
    arn = make_aws_secret(v1)
    g = make_gcp_secret(v2)
    kv_stub.set_secret("openai", v3)
    assert cache.get(arn) == v1
    assert cache.get(g) == v2
    assert cache.get(g + "/versions/1") == v2
    assert cache.get("https://kv-x.vault.azure.net/secrets/openai") == v3
    print(cache.stats(), kv_stub.challenges, kv_stub.reads)
