"""Knowledge-base search at 10k articles: ranked full-text search (``kb.search``) on SQLite
FTS5 and on PostgreSQL, beside a ``LIKE`` scan over the same articles in the same run.

Half the articles are English, half Chinese, made from a fixed vocabulary (seeded); the
queries are ten English and ten Chinese ones of one or two words. Each backend runs in its own
process (the settings pick the database at start-up); the parent prints the RESULT line.

    .venv/bin/python bench/kb_search.py [--articles 10000] [--repeat 5]
        [--postgres postgres://postgres@127.0.0.1:5432/sp_kb_bench]

SQLite uses a fresh file in a temporary folder; the PostgreSQL database is dropped and
recreated (use your own). Without --postgres (and no DATABASE_URL) only SQLite runs.

The LIKE scan is what a search without the index would do: every term must appear in the
title or body (``icontains``), newest first, 20 rows; it cannot rank.

RESULT articles=10000 sqlite_fts_median_ms=... sqlite_fts_p95_ms=... sqlite_like_median_ms=...
sqlite_like_p95_ms=... sqlite_like_x_fts=... pg_fts_median_ms=... ... pg_like_x_fts=...
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

SEED = 20251205
LIMIT = 20
EN_WORDS = [
    "disk",
    "raid",
    "array",
    "controller",
    "rebuild",
    "firmware",
    "update",
    "server",
    "fan",
    "power",
    "supply",
    "backup",
    "restore",
    "snapshot",
    "volume",
    "quota",
    "network",
    "switch",
    "port",
    "vlan",
    "router",
    "firewall",
    "rule",
    "certificate",
    "expiry",
    "password",
    "reset",
    "account",
    "lock",
    "vpn",
    "tunnel",
    "latency",
    "packet",
    "loss",
    "memory",
    "error",
    "cpu",
    "load",
    "database",
    "replication",
    "lag",
    "index",
    "query",
    "timeout",
    "storage",
    "cluster",
    "node",
    "failover",
    "license",
    "renewal",
    "patch",
    "kernel",
    "driver",
    "boot",
    "bios",
    "battery",
    "cable",
    "optic",
    "transceiver",
    "monitor",
    "alert",
    "threshold",
    "dashboard",
    "printer",
    "scanner",
    "email",
    "mailbox",
    "spam",
    "calendar",
    "share",
    "folder",
    "permission",
    "group",
    "policy",
    "domain",
    "dns",
    "dhcp",
    "address",
    "lease",
    "proxy",
    "cache",
    "web",
    "service",
    "api",
    "token",
    "log",
    "rotation",
    "cron",
    "job",
    "schedule",
]
ZH_WORDS = [
    "硬盘",
    "阵列",
    "控制器",
    "重建",
    "固件",
    "升级",
    "服务器",
    "风扇",
    "电源",
    "备份",
    "恢复",
    "快照",
    "存储",
    "配额",
    "网络",
    "交换机",
    "端口",
    "路由",
    "防火墙",
    "证书",
    "过期",
    "密码",
    "重置",
    "账户",
    "锁定",
    "隧道",
    "延迟",
    "丢包",
    "内存",
    "错误",
    "负载",
    "数据库",
    "复制",
    "索引",
    "查询",
    "超时",
    "集群",
    "节点",
    "切换",
    "许可",
    "续订",
    "补丁",
    "内核",
    "驱动",
    "启动",
    "电池",
    "线缆",
    "光模块",
    "监控",
    "告警",
    "阈值",
    "仪表",
    "打印机",
    "邮件",
    "邮箱",
    "日历",
    "共享",
    "目录",
    "权限",
    "策略",
    "域名",
    "地址",
    "租约",
    "代理",
    "缓存",
    "服务",
    "令牌",
    "日志",
    "轮转",
    "任务",
    "计划",
    "更换",
    "故障",
    "检查",
    "确认",
    "步骤",
    "操作",
    "手册",
    "维护",
    "巡检",
]
QUERIES_EN = [
    "disk rebuild", "firmware", "vpn password", "replication lag", "certificate expiry",
    "backup restore", "switch port", "memory error", "dns", "license renewal",
]  # fmt: skip
QUERIES_ZH = [
    "硬盘", "更换硬盘", "固件升级", "密码重置", "证书过期", "备份恢复", "交换机端口",
    "内存错误", "数据库复制", "许可续订",
]  # fmt: skip


def setup(backend: str, url: str) -> None:
    if backend == "postgres":
        import psycopg

        name = url.rsplit("/", 1)[1]
        with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
            admin.execute(f'CREATE DATABASE "{name}"')
    os.environ["DATABASE_URL"] = url
    os.environ["DJANGO_SETTINGS_MODULE"] = "servicepact.settings"
    os.environ.setdefault("SERVICEPACT_INSECURE_DEV_KEY", "1")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)


def make_articles(count: int) -> None:
    import numpy as np

    from servicepact.core.bulk import insert_rows
    from servicepact.kb.models import Article
    from servicepact.kb.text import prepare

    rng = np.random.default_rng(SEED)
    moment = datetime(2025, 6, 1, tzinfo=UTC)
    fields = (
        "kind", "visibility", "language", "title", "body", "workaround", "version",
        "asset_models", "solved_count", "search_title", "search_body", "created_at", "updated_at",
    )  # fmt: skip
    kinds = ["faq", "sop", "manual", "troubleshooting", "known_error", "release_note"]
    rows = []
    for i in range(count):
        chinese = i % 2 == 1
        words = ZH_WORDS if chinese else EN_WORDS
        # Zipf-like: a few words are common, most are rare (like a real knowledge base).
        picks = np.minimum(rng.zipf(1.3, size=160), len(words)) - 1
        joiner = "" if chinese else " "
        title = joiner.join(words[j] for j in picks[:6])
        body = joiner.join(words[j] for j in picks[6:])
        rows.append(
            (
                kinds[i % len(kinds)], "public", "zh-hans" if chinese else "en", title[:200],
                body, "", 1, [], 0, prepare(title[:200]), prepare(body),
                moment + timedelta(minutes=i), moment + timedelta(minutes=i),
            )
        )  # fmt: skip
    insert_rows(Article, fields, rows)


def like_scan(query: str) -> list[int]:
    from django.db.models import Q

    from servicepact.kb.models import Article
    from servicepact.kb.text import query_terms

    condition = Q()
    for term in query_terms(query):
        condition &= Q(title__icontains=term.text) | Q(body__icontains=term.text)
    qs = Article.objects.filter(condition).order_by("-updated_at", "-id")
    return list(qs.values_list("id", flat=True)[:LIMIT])


def fts(query: str) -> list[int]:
    from servicepact.kb.search import Scope, search_articles

    return [a.pk for a in search_articles(scope=Scope(everything=True), query=query, limit=LIMIT)]


def timings(fn: Any, queries: list[str], repeat: int) -> list[float]:
    for q in queries:
        fn(q)  # warm the caches
    out = []
    for _ in range(repeat):
        for q in queries:
            began = time.perf_counter()
            fn(q)
            out.append((time.perf_counter() - began) * 1000)
    return out


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[max(0, round(0.95 * len(ordered)) - 1)]


def child(backend: str, url: str, articles: int, repeat: int) -> None:
    setup(backend, url)
    began = time.perf_counter()
    make_articles(articles)
    load_s = time.perf_counter() - began
    queries = QUERIES_EN + QUERIES_ZH
    found = {q: len(fts(q)) for q in queries}
    if not all(found.values()):
        raise SystemExit(f"a query found nothing: {found}")
    fts_ms = timings(fts, queries, repeat)
    like_ms = timings(like_scan, queries, repeat)
    print(
        json.dumps(
            {
                "load_s": round(load_s, 1),
                "fts_median_ms": round(statistics.median(fts_ms), 2),
                "fts_p95_ms": round(p95(fts_ms), 2),
                "like_median_ms": round(statistics.median(like_ms), 2),
                "like_p95_ms": round(p95(like_ms), 2),
                "hits": found,
            }
        )
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--articles", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--postgres", default=os.environ.get("DATABASE_URL", ""))
    parser.add_argument("--child", choices=["sqlite", "postgres"])
    parser.add_argument("--url", default="")
    args = parser.parse_args()
    if args.child:
        child(args.child, args.url, args.articles, args.repeat)
        return
    runs: dict[str, dict[str, Any]] = {}
    with tempfile.TemporaryDirectory() as folder:
        plan = [("sqlite", f"sqlite:///{folder}/kb_bench.sqlite3")]
        if args.postgres.startswith("postgres"):
            plan.append(("postgres", args.postgres))
        for backend, url in plan:
            env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
            answer = subprocess.run(
                [sys.executable, __file__, "--child", backend, "--url", url,
                 "--articles", str(args.articles), "--repeat", str(args.repeat)],
                capture_output=True, text=True, env=env, check=True,
            )  # fmt: skip
            runs[backend] = json.loads(answer.stdout.strip().splitlines()[-1])
            print(backend, json.dumps(runs[backend], ensure_ascii=False))
    parts = [f"articles={args.articles}"]
    for backend, run in runs.items():
        key = "sqlite" if backend == "sqlite" else "pg"
        for name in ("fts_median_ms", "fts_p95_ms", "like_median_ms", "like_p95_ms"):
            parts.append(f"{key}_{name}={run[name]}")
        parts.append(f"{key}_like_x_fts={run['like_median_ms'] / run['fts_median_ms']:.1f}")
    print("RESULT " + " ".join(parts))


if __name__ == "__main__":
    main()
