from __future__ import annotations

from dataclasses import dataclass

import pytest

from servicepact.kb import services
from servicepact.kb.choices import ArticleKind, Language, Visibility
from servicepact.kb.models import Article
from servicepact.tickets.testing import acme, globex, login  # noqa: F401 (fixtures)

EN, ZH = Language.ENGLISH, Language.CHINESE


@dataclass
class Corpus:
    disk_sop: Article
    vpn_faq: Article
    fan_guide: Article
    acme_backup: Article
    internal_disk: Article
    disk_sop_zh: Article
    vpn_faq_zh: Article
    fan_guide_zh: Article
    globex_backup_zh: Article


@pytest.fixture
def corpus(acme, globex) -> Corpus:  # noqa: F811
    """Nine articles in English and Chinese: public, one customer's each, and one internal."""

    def add(
        kind, title, body, *, language=EN, visibility=Visibility.PUBLIC, customer=None, of=None
    ):
        return services.create_article(
            kind=kind,
            title=title,
            body=body,
            language=language,
            visibility=visibility,
            customer=customer,
            translation_of=of,
            actor=acme.agent,
        )

    disk = add(
        ArticleKind.SOP,
        "Replace a failed disk in a RAID array",
        "1. Find the failed disk in the controller.\n2. Hot-swap the disk.\n3. Watch the rebuild.",
    )
    vpn = add(ArticleKind.FAQ, "How do I reset my VPN password?", "Use the self-service page.")
    fan = add(
        ArticleKind.TROUBLESHOOTING,
        "Server fan noise after a firmware update",
        "Roll back the BMC firmware. The disk is not involved.",
    )
    backup = add(
        ArticleKind.KNOWN_ERROR,
        "Backup job fails: quota exceeded",
        "The backup target is full.",
        visibility=Visibility.CUSTOMER,
        customer=acme.customer,
    )
    internal = add(
        ArticleKind.MANUAL,
        "Disk vendor escalation contacts",
        "Call the vendor's disk desk.",
        visibility=Visibility.INTERNAL,
    )
    disk_zh = add(
        ArticleKind.SOP,
        "更换 RAID 阵列中的故障硬盘",
        "1. 在控制器中找到故障硬盘。\n2. 热插拔更换硬盘。\n3. 观察阵列重建。",
        language=ZH,
        of=disk,
    )
    vpn_zh = add(
        ArticleKind.FAQ, "如何重置 VPN 密码？", "请使用自助服务页面重置密码。", language=ZH, of=vpn
    )
    fan_zh = add(
        ArticleKind.TROUBLESHOOTING,
        "固件升级后服务器风扇噪音",
        "回滚 BMC 固件。与硬盘无关。",
        language=ZH,
        of=fan,
    )
    backup_zh = add(
        ArticleKind.KNOWN_ERROR,
        "备份任务失败：磁盘配额已满",
        "备份目标已满，请清理旧备份。",
        language=ZH,
        visibility=Visibility.CUSTOMER,
        customer=globex.customer,
    )
    return Corpus(disk, vpn, fan, backup, internal, disk_zh, vpn_zh, fan_zh, backup_zh)
