"""Translations of the audit app (scripts/fill_po.py TABLE.py haochaping/audit/locale)."""

ZH = {
    "Audit trail": "审计日志",
    "chain position": "链上序号",
    "previous hash": "前一哈希",
    "chain hash": "链哈希",
    "written at": "写入时间",
    "sealed at": "封存时间",
    "actor": "操作者",
    "address": "地址",
    "action": "操作",
    "object type": "对象类型",
    "object id": "对象编号",
    "object": "对象",
    "summary of the change": "变更摘要",
    "audit record": "审计记录",
    "audit records": "审计记录",
    "audit chain head": "审计链头",
    "day": "日期",
    "daily chain head": "每日链头",
    "daily chain heads": "每日链头",
    "Audit chain heads": "审计链头公示",
    "Every change in the system and every rating is recorded in a hash chain. The last hash of each day is published here: write it down, and anyone can later check that no record was changed or deleted since (haochaping audit verify --head SEQ:HASH).": "系统中的每一次变更和每一条评价都记录在哈希链中。每天最后的哈希值在此公示：记下它，任何人日后都可以核验此后没有记录被修改或删除（haochaping audit verify --head 序号:哈希）。",
    "Day": "日期",
    "Chain position": "链上序号",
    "Hash (SHA-256)": "哈希值（SHA-256）",
    "Nothing sealed yet.": "尚无封存记录。",
}

BO: dict[str, str] = {}
