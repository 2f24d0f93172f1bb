"""Imports: a scanner's CSV (all or nothing, errors per line) and OSV advisories."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from servicepact.assets.models import Asset, ContractLine
from servicepact.core.errors import DomainValidationError
from servicepact.core.testing import utc
from servicepact.security.imports import import_osv, import_scanner_csv
from servicepact.security.models import Advisory, RemediationEvent, Vulnerability
from servicepact.security.testing import secured
from servicepact.tickets.testing import world

pytestmark = pytest.mark.django_db
SAMPLES = Path(__file__).resolve().parent.parent / "samples"


@pytest.fixture
def w(clock):
    clock.at(utc(2025, 6, 3, 9))
    w = world(code="acme")
    secured(w)
    web = Asset.objects.create(customer=w.customer, site=w.site, hostname="acme-web01")
    ContractLine.objects.create(contract=w.contract, asset=web, start_date=w.contract.start_date)
    w.web = web
    return w


def test_the_sample_scanner_csv_opens_three_vulnerabilities(w):
    text = (SAMPLES / "scanner-findings.csv").read_text()
    result = import_scanner_csv(text=text, contract=w.contract, actor=w.agent)
    got = {
        v.advisory.cve_id: (v.severity, sorted(a.hostname for a in v.assets.all()), v.reported_at)
        for v in result.vulnerabilities
    }
    assert got == {
        "CVE-2024-6387": ("high", ["acme-srv01"], utc(2025, 6, 3, 8)),
        "CVE-2023-36053": ("high", ["acme-srv01", "acme-web01"], utc(2025, 6, 3, 8, 5)),
        "CVE-2023-44487": ("high", ["acme-web01"], utc(2025, 6, 3, 9)),  # no date: now
    }
    assert all(v.source == "scanner" for v in result.vulnerabilities)


def test_a_bad_row_refuses_the_whole_file_naming_lines_and_columns(w):
    text = (
        "cve_id,title,cvss_vector,asset,detected_at,description\n"
        "CVE-2024-6387,ok row,CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:H/A:H,acme-srv01,,\n"
        "CVE-24-1,bad id,CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H,acme-srv01,,\n"
        "CVE-2023-44487,,CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H,nohost,yesterday,\n"
    )
    with pytest.raises(DomainValidationError) as caught:
        import_scanner_csv(text=text, contract=w.contract)
    assert sorted(caught.value.errors) == [
        "lines[3].cve_id",
        "lines[4].asset",
        "lines[4].cvss_vector",
        "lines[4].detected_at",
        "lines[4].title",
    ]
    assert (Advisory.objects.count(), Vulnerability.objects.count()) == (0, 0)
    assert RemediationEvent.objects.count() == 0


def test_another_customers_hostname_is_unknown(w):
    other = world(code="globex")
    text = (
        "cve_id,title,cvss_vector,asset\n"
        f"CVE-2024-6387,x,CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:H/A:H,{other.asset.hostname}\n"
    )
    with pytest.raises(DomainValidationError) as caught:
        import_scanner_csv(text=text, contract=w.contract)
    assert list(caught.value.errors) == ["lines[2].asset"]


def test_missing_columns_are_named(w):
    with pytest.raises(DomainValidationError) as caught:
        import_scanner_csv(text="cve,title\nCVE-2024-6387,x\n", contract=w.contract)
    assert list(caught.value.errors) == ["lines[1]"]


def test_osv_pypi_record_matches_assets_running_an_affected_django(w):
    """GHSA-jh3w-4vvf-mjgr: django [3.2, 3.2.20), [4.0, 4.1.10), [4.2, 4.2.3). The web
    server runs 4.2.2 (affected), the other 4.2.3 (fixed)."""
    Asset.objects.filter(pk=w.web.pk).update(labels={"django": "4.2.2"})
    Asset.objects.filter(pk=w.asset.pk).update(labels={"django": "4.2.3"})
    data = json.loads((SAMPLES / "osv-pypi-django-GHSA-jh3w-4vvf-mjgr.json").read_text())
    result = import_osv(data=data, contract=w.contract, actor=w.agent)
    (advisory,) = result.advisories
    assert (advisory.cve_id, advisory.osv_id, str(advisory.base_score), advisory.severity) == (
        "CVE-2023-36053",
        "GHSA-jh3w-4vvf-mjgr",
        "7.5",
        "high",
    )
    assert advisory.software_name == "django"
    assert len(advisory.affected["ranges"]) == 3
    (v,) = result.vulnerabilities
    assert [a.hostname for a in v.assets.all()] == ["acme-web01"]
    assert v.source == "osv"


def test_osv_debian_feed_without_a_match_stores_only_the_advisory(w):
    Asset.objects.filter(pk=w.asset.pk).update(labels={"openssh": "1:9.2p1-2+deb12u3"})
    data = json.loads((SAMPLES / "osv-debian-openssh-CVE-2024-6387.json").read_text())
    result = import_osv(data=data, contract=w.contract)
    assert [a.cve_id for a in result.advisories] == ["CVE-2024-6387"]
    assert result.vulnerabilities == []
    Asset.objects.filter(pk=w.asset.pk).update(labels={"openssh": "1:9.2p1-2+deb12u2"})
    again = import_osv(data=data, contract=w.contract)
    assert Advisory.objects.count() == 1  # the same advisory, updated
    assert [v.advisory.cve_id for v in again.vulnerabilities] == ["CVE-2024-6387"]


def test_an_osv_record_without_a_v31_vector_refuses_the_import(w):
    good = json.loads((SAMPLES / "osv-pypi-django-GHSA-jh3w-4vvf-mjgr.json").read_text())
    bad = dict(good, id="PYSEC-2099-1", aliases=[], severity=[])
    with pytest.raises(DomainValidationError) as caught:
        import_osv(data=[good, bad], contract=w.contract)
    assert list(caught.value.errors) == ["records[1].severity"]
    assert Advisory.objects.count() == 0


@pytest.mark.parametrize(
    "data",
    [
        [1, 2],
        {"vulns": "x"},
        {"id": "X-1", "severity": "CVSS:3.1/AV:N", "affected": 3},
        {"id": "X-2", "severity": [{"type": "CVSS_V3", "score": 7}], "aliases": "CVE-1"},
        {"id": "X-3", "severity": [{"type": "CVSS_V2", "score": "AV:N/AC:L/Au:N/C:P/I:P/A:P"}]},
    ],
)
def test_malformed_osv_is_refused_as_a_field_error(w, data):
    with pytest.raises(DomainValidationError):
        import_osv(data=data, contract=w.contract)
    assert Advisory.objects.count() == 0


def test_odd_osv_shapes_that_still_carry_a_vector_import(w):
    record = {
        "id": "X-4",
        "aliases": "not-a-list",
        "published": "2023-13-45T00:00:00Z",
        "severity": [{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H"}],
        "affected": [
            {
                "package": "django",
                "ranges": [{"type": "ECOSYSTEM", "events": ["x", {"introduced": "0"}]}],
            }
        ],
    }
    (advisory,) = import_osv(data=record, contract=w.contract).advisories
    assert (advisory.osv_id, advisory.cve_id, advisory.published_at) == ("X-4", "", None)


def test_osv_matches_what_the_configuration_records_say_runs_now(w, clock):
    """Configuration records (issue 16's version management) are what matching reads: the
    web server ran django 4.2.2 until a change installed 4.2.3, so it is no longer affected;
    the other server's record says 4.2.2 although its old label says 4.2.3 (the record wins)."""
    from servicepact.assets.configuration import record_component

    Asset.objects.filter(pk=w.web.pk).update(labels={"django": "4.2.2"})
    Asset.objects.filter(pk=w.asset.pk).update(labels={"django": "4.2.3"})
    record_component(
        asset=w.web, kind="software", name="django", version="4.2.2", at=utc(2025, 5, 1)
    )
    record_component(
        asset=w.web, kind="software", name="django", version="4.2.3", at=utc(2025, 6, 1)
    )
    record_component(
        asset=w.asset, kind="software", name="django", version="4.2.2", at=utc(2025, 5, 1)
    )
    data = json.loads((SAMPLES / "osv-pypi-django-GHSA-jh3w-4vvf-mjgr.json").read_text())
    result = import_osv(data=data, contract=w.contract, actor=w.agent)
    (v,) = result.vulnerabilities
    assert [a.hostname for a in v.assets.all()] == [w.asset.hostname]
