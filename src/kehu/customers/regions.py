"""Province → macro-region (华东, 华南…), so a region filter works without typing it twice."""

from __future__ import annotations

MACRO_REGIONS: dict[str, tuple[str, ...]] = {
    "华北": ("北京", "天津", "河北", "山西", "内蒙古"),
    "东北": ("辽宁", "吉林", "黑龙江"),
    "华东": ("上海", "江苏", "浙江", "安徽", "福建", "江西", "山东"),
    "华中": ("河南", "湖北", "湖南"),
    "华南": ("广东", "广西", "海南", "香港", "澳门"),
    "西南": ("重庆", "四川", "贵州", "云南", "西藏"),
    "西北": ("陕西", "甘肃", "青海", "宁夏", "新疆"),
    "港澳台": ("台湾",),
}

SUFFIXES = ("维吾尔自治区", "壮族自治区", "回族自治区", "特别行政区", "自治区", "省", "市")


def short_province(name: str) -> str:
    """广东省 → 广东, 新疆维吾尔自治区 → 新疆."""
    name = (name or "").strip()
    for suffix in SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix):
            return name[: -len(suffix)]
    return name


def macro_region_of(province: str) -> str:
    short = short_province(province)
    for region, provinces in MACRO_REGIONS.items():
        if short in provinces:
            return region
    return ""
