"""Parsing Accept-Encoding and If-None-Match (webgis.compression)."""

from __future__ import annotations

import gzip

import pytest

from webgis import compression


@pytest.mark.parametrize("header,ok", [
    ("gzip", True), ("GZIP", True), ("deflate, gzip;q=0.5", True), ("x-gzip", True),
    ("*", True), ("br;q=1, *;q=0.1", True), ("gzip;q=0", False), ("gzip;q=0.0, *", False),
    ("identity", False), ("", False), (None, False), ("*;q=0", False), ("gzip;q=abc", False),
])
def test_accepts_gzip(header, ok):
    assert compression.accepts_gzip(header) is ok


@pytest.mark.parametrize("header,ok", [
    ('"abc"', True), ('"abc-gzip"', True), ('W/"abc"', True), ('"x", "abc"', True),
    ("*", True), ('"abcd"', False), ('"ab"', False), ("", False), (None, False),
])
def test_if_none_match(header, ok):
    assert compression._matches(header, "abc") is ok


def test_pack_keeps_small_bodies_plain_and_is_deterministic():
    assert compression.pack(b"x" * 100, "t").packed is None
    big = b'{"a": 1}' * 1000
    one, two = compression.pack(big, "t"), compression.pack(big, "t")
    assert one.packed == two.packed and gzip.decompress(one.packed) == big


def test_etag_depends_on_version_and_parameters():
    tags = {compression.etag("v1", "rivers", None), compression.etag("v2", "rivers", None),
            compression.etag("v1", "rivers", 0.01), compression.etag("v1", "plans", None)}
    assert len(tags) == 4
    assert compression.etag("v1", "rivers", None) == compression.etag("v1", "rivers", None)


def test_body_cache_drops_the_least_recently_used():
    cache = compression.BodyCache(max_bytes=250)
    built = []

    def make(name):
        def build():
            built.append(name)
            return compression.Packed(b"x" * 100, None, name)
        return build

    cache.get("a", make("a"))
    cache.get("b", make("b"))
    cache.get("a", make("a"))  # a is now the most recent
    cache.get("c", make("c"))  # b goes
    cache.get("a", make("a"))
    cache.get("b", make("b"))
    assert built == ["a", "b", "c", "b"]
