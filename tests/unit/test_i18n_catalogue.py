"""The one catalogue compiles from a clean checkout and serves code outside a request."""

from __future__ import annotations

import shutil

import pytest
from babel.support import Translations

from webgis import i18n


def test_a_clean_checkout_compiles_its_catalogue(tmp_path):
    root = tmp_path / "translations"
    shutil.copytree(i18n.TRANSLATIONS, root, ignore=shutil.ignore_patterns("*.mo"))
    written = i18n.compile_catalogues(root)
    assert [p.name for p in written] == ["messages.mo"]
    zh = Translations.load(str(root), ["zh"])
    assert zh.gettext("Field response sheet: water pollution incident") == \
        "突发水污染事件现场处置工作单"
    assert i18n.compile_catalogues(root) == []  # up to date: nothing rewritten


@pytest.fixture
def fresh_cache():
    i18n.translations.cache_clear()
    yield
    i18n.translations.cache_clear()


def test_translations_outside_a_request(fresh_cache):
    assert i18n.translations("zh").gettext("Receptors downstream") != "Receptors downstream"
    assert i18n.translations("en").gettext("Receptors downstream") == "Receptors downstream"
    assert i18n.translations("xx").gettext("Receptors downstream") == \
        i18n.translations("zh").gettext("Receptors downstream")  # Chinese by default


def test_a_read_only_package_still_translates(fresh_cache, monkeypatch):
    def read_only(*_a, **_kw):
        raise PermissionError("read-only file system")

    monkeypatch.setattr(i18n, "compile_catalogues", read_only)
    assert i18n.translations("zh").pgettext("sheet", "Receptors") == "敏感点"
