"""Demo knowledge base, handover and training (issue 19): the disk-replacement SOP in English
and Chinese, a few public articles, Acme's handover signed off, Globex's under way, and a
training session in the last month (so it shows in that month's statement)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import timedelta
from typing import Any

from servicepact.core.time import now as current_time
from servicepact.kb import services
from servicepact.kb.choices import ArticleKind, Language, Visibility

DISK_SOP_EN = """Replace a failed disk in a hardware RAID array without downtime.

## Before you start
- Confirm the failed slot in the controller (`perccli /c0 show` or the iDRAC/iLO page).
- Check that the array is *degraded*, not *failed*, and that a backup of the last night exists.
- Have the replacement disk of the **same model and capacity** (see the asset's model).

## Steps
1. Blink the slot LED to identify the disk: `perccli /c0/e32/s4 start locate`.
2. Pull the failed disk (hot-swap); wait 30 seconds.
3. Insert the new disk; the rebuild starts by itself.
4. Watch the rebuild: `perccli /c0/e32/s4 show rebuild` (about 2 hours per TB).
5. Record the old disk's serial number on the ticket and send it back to the vendor.

## If the rebuild does not start
Mark the new disk as a global hot spare: `perccli /c0/e32/s4 add hotsparedrive`.
"""

DISK_SOP_ZH = """在不停机的情况下更换硬件 RAID 阵列中的故障硬盘。

## 开始之前
- 在控制器中确认故障槽位（`perccli /c0 show` 或 iDRAC/iLO 页面）。
- 确认阵列状态为*降级*而不是*失败*，并确认存在前一晚的备份。
- 准备**相同型号和容量**的替换硬盘（见资产型号）。

## 步骤
1. 点亮槽位指示灯以识别硬盘：`perccli /c0/e32/s4 start locate`。
2. 拔出故障硬盘（热插拔），等待 30 秒。
3. 插入新硬盘，阵列会自动开始重建。
4. 观察重建进度：`perccli /c0/e32/s4 show rebuild`（每 TB 约 2 小时）。
5. 在工单上记录旧硬盘的序列号，并寄回厂商。

## 如果重建没有开始
将新硬盘设为全局热备盘：`perccli /c0/e32/s4 add hotsparedrive`。
"""


def seed_knowledge(
    customers: Sequence[Any], staff: dict[str, Any], progress: Callable[[str], None]
) -> None:
    agent = staff["agent"]
    moment = current_time()
    sop = services.create_article(
        kind=ArticleKind.SOP,
        title="Replace a failed disk in a RAID array",
        body=DISK_SOP_EN,
        visibility=Visibility.PUBLIC,
        review_due=(moment + timedelta(days=180)).date(),
        asset_models=["PowerEdge R740", "ProLiant DL380 Gen10"],
        actor=agent,
    )
    services.create_article(
        kind=ArticleKind.SOP,
        title="更换 RAID 阵列中的故障硬盘",
        body=DISK_SOP_ZH,
        language=Language.CHINESE,
        visibility=Visibility.PUBLIC,
        translation_of=sop,
        review_due=(moment + timedelta(days=180)).date(),
        asset_models=["PowerEdge R740", "ProLiant DL380 Gen10"],
        actor=agent,
    )
    services.create_article(
        kind=ArticleKind.FAQ,
        title="How do I reset my VPN password?",
        body="Use the self-service page, then reconnect the VPN client.",
        visibility=Visibility.PUBLIC,
        review_due=(moment - timedelta(days=10)).date(),  # stale: flagged in the desk
        actor=agent,
    )
    services.create_article(
        kind=ArticleKind.KNOWN_ERROR,
        title="Backup job fails: target quota exceeded",
        body="The nightly backup stops when the target share is full.",
        workaround="Delete backups older than 30 days, then run the job again.",
        visibility=Visibility.CUSTOMER,
        customer=customers[0].customer,
        actor=agent,
    )
    first = customers[0]
    pack = services.create_handover_pack(
        contract=first.contract,
        actor=agent,
        due_on=(moment - timedelta(days=20)).date(),
        owner=agent,
    )
    for item in pack.items.all():
        services.complete_handover_item(
            item=item,
            name=f"{item.document}.pdf",
            content=b"%PDF-1.4\n% demo handover document\n",
            content_type="application/pdf",
            actor=agent,
        )
    services.sign_off_handover(pack=pack, actor=first.contact.user, note="All documents received.")
    if len(customers) > 1:
        second = customers[1]
        other = services.create_handover_pack(
            contract=second.contract,
            actor=agent,
            due_on=(moment + timedelta(days=14)).date(),
            owner=agent,
        )
        done = other.items.order_by("id").first()
        if done is not None:
            services.complete_handover_item(
                item=done, name="topology.pdf", content=b"%PDF-1.4\n% topology\n", actor=agent
            )
    session = services.create_training(
        contract=first.contract,
        topic="RAID disk replacement",
        starts_at=moment - timedelta(days=moment.day + 5),  # in the last month
        trainer=agent.get_username(),
        attendees=[first.contact, *first.extra_contacts],
        materials="The SOP in the knowledge base, in English and Chinese.",
        actor=agent,
        at=moment,
    )
    services.record_attendance(session=session, attended={first.contact.pk: True}, actor=agent)
    services.acknowledge_training(session=session, contact=first.contact, at=moment)
    progress("knowledge base (disk SOP in English and Chinese), handover packs, a training")
