"""GB/T 4754-2017 national industry classification (国民经济行业分类) as shipped data.

Pure Python, no Django imports, so it can be used from migrations, importers
and tests alike.

* ``SECTIONS``  -- the 20 sections (门类) A–T: ``(code, abbr, name_zh, name_en)``.
  ``abbr`` is the 3-letter code used in customer numbers (2024-MFG-001).
* ``DIVISIONS`` -- the 97 divisions (大类) 01–97: ``(code, section_code, name_zh, name_en)``.
* ``PHRASES``   -- colloquial phrases teams type, mapped onto a division or section code.
* ``normalise_industry_text()`` -- free text -> best division (or section) code, or None.

Chinese names follow the 2017 edition.  English names are descriptive
translations in the style of ISIC; they are not an official part of the standard.
"""

from __future__ import annotations

import re
import unicodedata

SECTIONS: tuple[tuple[str, str, str, str], ...] = (
    ("A", "AGR", "农、林、牧、渔业", "Agriculture, forestry, animal husbandry and fishery"),
    ("B", "MIN", "采矿业", "Mining"),
    ("C", "MFG", "制造业", "Manufacturing"),
    ("D", "UTL", "电力、热力、燃气及水生产和供应业", "Production and supply of electricity, heat, gas and water"),
    ("E", "CON", "建筑业", "Construction"),
    ("F", "TRD", "批发和零售业", "Wholesale and retail trade"),
    ("G", "TRN", "交通运输、仓储和邮政业", "Transport, storage and postal services"),
    ("H", "HOS", "住宿和餐饮业", "Accommodation and catering"),
    ("I", "ITS", "信息传输、软件和信息技术服务业", "Information transmission, software and information technology services"),
    ("J", "FIN", "金融业", "Finance"),
    ("K", "REA", "房地产业", "Real estate"),
    ("L", "BIZ", "租赁和商务服务业", "Leasing and business services"),
    ("M", "SCI", "科学研究和技术服务业", "Scientific research and technical services"),
    ("N", "ENV", "水利、环境和公共设施管理业", "Management of water conservancy, environment and public facilities"),
    ("O", "SVC", "居民服务、修理和其他服务业", "Resident services, repair and other services"),
    ("P", "EDU", "教育", "Education"),
    ("Q", "HLT", "卫生和社会工作", "Health and social work"),
    ("R", "ENT", "文化、体育和娱乐业", "Culture, sports and entertainment"),
    ("S", "PUB", "公共管理、社会保障和社会组织", "Public administration, social security and social organisations"),
    ("T", "INT", "国际组织", "International organisations"),
)

DIVISIONS: tuple[tuple[str, str, str, str], ...] = (
    # A 农、林、牧、渔业
    ("01", "A", "农业", "Agriculture"),
    ("02", "A", "林业", "Forestry"),
    ("03", "A", "畜牧业", "Animal husbandry"),
    ("04", "A", "渔业", "Fishery"),
    ("05", "A", "农、林、牧、渔专业及辅助性活动", "Professional and support activities for agriculture, forestry, animal husbandry and fishery"),
    # B 采矿业
    ("06", "B", "煤炭开采和洗选业", "Mining and washing of coal"),
    ("07", "B", "石油和天然气开采业", "Extraction of petroleum and natural gas"),
    ("08", "B", "黑色金属矿采选业", "Mining and processing of ferrous metal ores"),
    ("09", "B", "有色金属矿采选业", "Mining and processing of non-ferrous metal ores"),
    ("10", "B", "非金属矿采选业", "Mining and processing of non-metallic minerals"),
    ("11", "B", "开采专业及辅助性活动", "Professional and support activities for mining"),
    ("12", "B", "其他采矿业", "Other mining"),
    # C 制造业
    ("13", "C", "农副食品加工业", "Processing of agricultural and sideline food products"),
    ("14", "C", "食品制造业", "Manufacture of food products"),
    ("15", "C", "酒、饮料和精制茶制造业", "Manufacture of liquor, beverages and refined tea"),
    ("16", "C", "烟草制品业", "Manufacture of tobacco products"),
    ("17", "C", "纺织业", "Manufacture of textiles"),
    ("18", "C", "纺织服装、服饰业", "Manufacture of textile garments and apparel"),
    ("19", "C", "皮革、毛皮、羽毛及其制品和制鞋业", "Manufacture of leather, fur, feather and related products, and footwear"),
    ("20", "C", "木材加工和木、竹、藤、棕、草制品业", "Processing of timber and manufacture of wood, bamboo, rattan, palm and straw products"),
    ("21", "C", "家具制造业", "Manufacture of furniture"),
    ("22", "C", "造纸和纸制品业", "Manufacture of paper and paper products"),
    ("23", "C", "印刷和记录媒介复制业", "Printing and reproduction of recorded media"),
    ("24", "C", "文教、工美、体育和娱乐用品制造业", "Manufacture of articles for culture, education, arts and crafts, sports and entertainment"),
    ("25", "C", "石油、煤炭及其他燃料加工业", "Processing of petroleum, coal and other fuels"),
    ("26", "C", "化学原料和化学制品制造业", "Manufacture of chemical raw materials and chemical products"),
    ("27", "C", "医药制造业", "Manufacture of medicines"),
    ("28", "C", "化学纤维制造业", "Manufacture of chemical fibres"),
    ("29", "C", "橡胶和塑料制品业", "Manufacture of rubber and plastic products"),
    ("30", "C", "非金属矿物制品业", "Manufacture of non-metallic mineral products"),
    ("31", "C", "黑色金属冶炼和压延加工业", "Smelting and pressing of ferrous metals"),
    ("32", "C", "有色金属冶炼和压延加工业", "Smelting and pressing of non-ferrous metals"),
    ("33", "C", "金属制品业", "Manufacture of metal products"),
    ("34", "C", "通用设备制造业", "Manufacture of general-purpose machinery"),
    ("35", "C", "专用设备制造业", "Manufacture of special-purpose machinery"),
    ("36", "C", "汽车制造业", "Manufacture of automobiles"),
    ("37", "C", "铁路、船舶、航空航天和其他运输设备制造业", "Manufacture of railway, ship, aerospace and other transport equipment"),
    ("38", "C", "电气机械和器材制造业", "Manufacture of electrical machinery and equipment"),
    ("39", "C", "计算机、通信和其他电子设备制造业", "Manufacture of computers, communication and other electronic equipment"),
    ("40", "C", "仪器仪表制造业", "Manufacture of measuring instruments and meters"),
    ("41", "C", "其他制造业", "Other manufacturing"),
    ("42", "C", "废弃资源综合利用业", "Comprehensive utilisation of waste resources"),
    ("43", "C", "金属制品、机械和设备修理业", "Repair of metal products, machinery and equipment"),
    # D 电力、热力、燃气及水生产和供应业
    ("44", "D", "电力、热力生产和供应业", "Production and supply of electricity and heat"),
    ("45", "D", "燃气生产和供应业", "Production and supply of gas"),
    ("46", "D", "水的生产和供应业", "Production and supply of water"),
    # E 建筑业
    ("47", "E", "房屋建筑业", "Construction of buildings"),
    ("48", "E", "土木工程建筑业", "Civil engineering"),
    ("49", "E", "建筑安装业", "Building installation"),
    ("50", "E", "建筑装饰、装修和其他建筑业", "Building decoration, renovation and other construction activities"),
    # F 批发和零售业
    ("51", "F", "批发业", "Wholesale trade"),
    ("52", "F", "零售业", "Retail trade"),
    # G 交通运输、仓储和邮政业
    ("53", "G", "铁路运输业", "Rail transport"),
    ("54", "G", "道路运输业", "Road transport"),
    ("55", "G", "水上运输业", "Water transport"),
    ("56", "G", "航空运输业", "Air transport"),
    ("57", "G", "管道运输业", "Pipeline transport"),
    ("58", "G", "多式联运和运输代理业", "Multimodal transport and transport agency services"),
    ("59", "G", "装卸搬运和仓储业", "Loading, unloading and warehousing"),
    ("60", "G", "邮政业", "Postal services"),
    # H 住宿和餐饮业
    ("61", "H", "住宿业", "Accommodation"),
    ("62", "H", "餐饮业", "Catering services"),
    # I 信息传输、软件和信息技术服务业
    ("63", "I", "电信、广播电视和卫星传输服务", "Telecommunications, radio and television and satellite transmission services"),
    ("64", "I", "互联网和相关服务", "Internet and related services"),
    ("65", "I", "软件和信息技术服务业", "Software and information technology services"),
    # J 金融业
    ("66", "J", "货币金融服务", "Monetary and financial services"),
    ("67", "J", "资本市场服务", "Capital market services"),
    ("68", "J", "保险业", "Insurance"),
    ("69", "J", "其他金融业", "Other financial services"),
    # K 房地产业
    ("70", "K", "房地产业", "Real estate"),
    # L 租赁和商务服务业
    ("71", "L", "租赁业", "Leasing"),
    ("72", "L", "商务服务业", "Business services"),
    # M 科学研究和技术服务业
    ("73", "M", "研究和试验发展", "Research and experimental development"),
    ("74", "M", "专业技术服务业", "Professional technical services"),
    ("75", "M", "科技推广和应用服务业", "Technology promotion and application services"),
    # N 水利、环境和公共设施管理业
    ("76", "N", "水利管理业", "Water conservancy management"),
    ("77", "N", "生态保护和环境治理业", "Ecological protection and environmental management"),
    ("78", "N", "公共设施管理业", "Public facilities management"),
    ("79", "N", "土地管理业", "Land management"),
    # O 居民服务、修理和其他服务业
    ("80", "O", "居民服务业", "Resident services"),
    ("81", "O", "机动车、电子产品和日用产品修理业", "Repair of motor vehicles, electronic products and household goods"),
    ("82", "O", "其他服务业", "Other services"),
    # P 教育
    ("83", "P", "教育", "Education"),
    # Q 卫生和社会工作
    ("84", "Q", "卫生", "Health"),
    ("85", "Q", "社会工作", "Social work"),
    # R 文化、体育和娱乐业
    ("86", "R", "新闻和出版业", "News and publishing"),
    ("87", "R", "广播、电视、电影和录音制作业", "Radio, television, film and sound recording production"),
    ("88", "R", "文化艺术业", "Culture and arts"),
    ("89", "R", "体育", "Sports"),
    ("90", "R", "娱乐业", "Entertainment"),
    # S 公共管理、社会保障和社会组织
    ("91", "S", "中国共产党机关", "Organs of the Communist Party of China"),
    ("92", "S", "国家机构", "State organs"),
    ("93", "S", "人民政协、民主党派", "CPPCC and democratic parties"),
    ("94", "S", "社会保障", "Social security"),
    ("95", "S", "群众团体、社会团体和其他成员组织", "Mass organisations, social organisations and other membership organisations"),
    ("96", "S", "基层群众自治组织及其他组织", "Grassroots self-governing organisations and other organisations"),
    # T 国际组织
    ("97", "T", "国际组织", "International organisations"),
)

# Colloquial phrase -> division (or section, when no single division fits) code.
PHRASES: tuple[tuple[str, str], ...] = (
    # A / B
    ("种植", "01"), ("种植业", "01"), ("养殖", "03"), ("养猪", "03"), ("水产养殖", "04"),
    ("水产", "04"), ("煤矿", "06"), ("煤炭", "06"), ("油田", "07"), ("矿山", "B"),
    # C 制造业
    ("工厂", "C"), ("制造", "C"), ("生产制造", "C"), ("食品", "14"), ("食品加工", "13"),
    ("饮料", "15"), ("白酒", "15"), ("酒业", "15"), ("茶叶", "15"), ("烟草", "16"),
    ("纺织", "17"), ("服装", "18"), ("服饰", "18"), ("鞋业", "19"), ("制鞋", "19"),
    ("家具", "21"), ("造纸", "22"), ("印刷", "23"), ("玩具", "24"), ("炼油", "25"),
    ("石化", "25"), ("化工", "26"), ("涂料", "26"), ("化妆品", "26"), ("制药", "27"),
    ("药企", "27"), ("医药", "27"), ("生物医药", "27"), ("橡胶", "29"), ("塑料", "29"),
    ("塑胶", "29"), ("建材", "30"), ("水泥", "30"), ("玻璃", "30"), ("陶瓷", "30"),
    ("钢铁", "31"), ("钢厂", "31"), ("有色金属", "32"), ("铝业", "32"), ("五金", "33"),
    ("机械", "34"), ("机床", "34"), ("模具", "35"), ("医疗器械", "35"), ("工程机械", "35"),
    ("汽车制造", "36"), ("汽车零部件", "36"), ("汽车配件", "36"), ("汽配", "36"),
    ("整车厂", "36"), ("主机厂", "36"), ("新能源汽车", "36"), ("汽车", "36"),
    ("船舶", "37"), ("造船", "37"), ("航空航天", "37"), ("轨道交通装备", "37"),
    ("家电", "38"), ("电池", "38"), ("锂电", "38"), ("光伏", "38"),
    ("电线电缆", "38"), ("电子", "39"), ("电子制造", "39"), ("半导体", "39"), ("芯片制造", "39"),
    ("通信设备", "39"), ("手机", "39"), ("仪器仪表", "40"), ("再生资源", "42"),
    # D 电力、热力、燃气及水
    ("电力", "44"), ("发电", "44"), ("电网", "44"), ("供电", "44"), ("新能源发电", "44"),
    ("燃气", "45"), ("天然气", "45"), ("自来水", "46"), ("水务", "46"), ("污水处理", "46"),
    # E 建筑业
    ("建筑", "E"), ("建筑公司", "E"), ("施工", "E"), ("基建", "48"), ("路桥", "48"),
    ("装修", "50"), ("装饰", "50"), ("家装", "50"),
    # F 批发和零售业
    ("贸易", "51"), ("外贸", "51"), ("进出口", "51"), ("批发", "51"), ("医药流通", "51"),
    ("零售", "52"), ("超市", "52"), ("商超", "52"), ("便利店", "52"), ("百货", "52"),
    ("电商", "52"), ("电子商务", "52"), ("网店", "52"), ("药店", "52"), ("4S店", "52"),
    ("汽车销售", "52"), ("加油站", "52"),
    # G 交通运输、仓储和邮政业 (物流 spans 54/58/59, so it maps to the section)
    ("物流", "G"), ("运输", "G"), ("铁路", "53"), ("货运", "54"), ("公交", "54"),
    ("出租车", "54"), ("网约车", "54"), ("航运", "55"), ("海运", "55"), ("航空公司", "56"),
    ("货代", "58"), ("货运代理", "58"), ("国际货代", "58"),
    ("仓储", "59"), ("仓库", "59"), ("快递", "60"), ("邮政", "60"),
    # H 住宿和餐饮业
    ("酒店", "61"), ("宾馆", "61"), ("民宿", "61"), ("餐饮", "62"), ("餐厅", "62"),
    ("饭店", "62"), ("饭馆", "62"), ("餐馆", "62"), ("咖啡", "62"), ("奶茶", "62"),
    # I 信息传输、软件和信息技术服务业
    ("电信", "63"), ("通信运营商", "63"), ("运营商", "63"), ("互联网", "64"),
    ("互联网公司", "64"), ("电商平台", "64"), ("网络游戏", "64"), ("游戏公司", "64"),
    ("云计算", "64"), ("数据中心", "64"), ("软件", "65"), ("软件公司", "65"),
    ("软件开发", "65"), ("信息技术", "65"), ("IT", "65"), ("IT服务", "65"),
    ("SaaS", "65"), ("系统集成", "65"), ("芯片设计", "65"), ("集成电路设计", "65"),
    ("人工智能", "65"), ("AI", "65"),
    # J 金融业
    ("金融", "J"), ("银行", "66"), ("小额贷款", "66"), ("证券", "67"), ("券商", "67"),
    ("基金", "67"), ("期货", "67"), ("保险", "68"), ("保险公司", "68"), ("信托", "69"),
    ("支付", "69"), ("互联网金融", "J"), ("第三方支付", "69"),
    # K 房地产业
    ("房地产", "70"), ("地产", "70"), ("房产", "70"), ("物业", "70"), ("物业管理", "70"),
    ("房产中介", "70"), ("房地产中介", "70"),
    # L 租赁和商务服务业
    ("租赁", "71"), ("设备租赁", "71"), ("融资租赁", "66"), ("咨询", "72"), ("管理咨询", "72"),
    ("律所", "72"), ("律师", "72"), ("律师事务所", "72"), ("会计师事务所", "72"), ("广告", "72"),
    ("广告公司", "72"), ("人力资源", "72"), ("猎头", "72"), ("劳务派遣", "72"),
    ("旅行社", "72"), ("会展", "72"), ("保安", "72"),
    # M 科学研究和技术服务业
    ("研发", "73"), ("研究院", "73"), ("检测", "74"), ("检验检测", "74"), ("认证", "74"),
    ("设计院", "74"), ("工程设计", "74"), ("测绘", "74"), ("技术推广", "75"),
    # N 水利、环境和公共设施管理业
    ("水利", "76"), ("环保", "77"), ("环境治理", "77"), ("园林绿化", "78"), ("景区", "78"),
    ("环卫", "78"),
    # O 居民服务、修理和其他服务业
    ("家政", "80"), ("美容", "80"), ("美发", "80"), ("美容美发", "80"), ("洗衣", "80"),
    ("婚庆", "80"), ("汽车维修", "81"), ("汽修", "81"), ("家电维修", "81"),
    # P 教育
    ("学校", "83"), ("培训", "83"), ("教培", "83"), ("培训机构", "83"), ("大学", "83"),
    ("高校", "83"), ("幼儿园", "83"), ("职业培训", "83"),
    # Q 卫生和社会工作
    ("医院", "84"), ("诊所", "84"), ("医疗", "84"), ("医疗服务", "84"), ("体检", "84"),
    ("养老院", "85"), ("养老", "85"),
    # R 文化、体育和娱乐业
    ("出版", "86"), ("出版社", "86"), ("报社", "86"), ("影视", "87"), ("电影", "87"),
    ("传媒", "R"), ("演出", "88"), ("健身", "89"), ("健身房", "89"), ("KTV", "90"),
    ("游乐园", "90"),
    # S 公共管理、社会保障和社会组织
    ("政府", "92"), ("政府机关", "92"), ("机关单位", "S"), ("行业协会", "95"),
    ("协会", "95"), ("商会", "95"), ("基金会", "95"), ("社会组织", "95"),
    ("居委会", "96"), ("村委会", "96"),
    # English
    ("Internet", "64"), ("Software", "65"), ("Banking", "66"), ("Bank", "66"),
    ("Real estate", "70"), ("Automotive", "36"), ("Logistics", "G"),
    ("E-commerce", "52"), ("Healthcare", "84"), ("Consulting", "72"),
)

# ---------------------------------------------------------------------------

_SECTION_CODES = {s[0] for s in SECTIONS}
_DIVISION_SECTION = {d[0]: d[1] for d in DIVISIONS}
_SPLIT_RE = re.compile(r"\s*(?:[-/>|\\—–→]|::)\s*")
_CODE_RE = re.compile(r"([A-T])?(\d{1,2})")


def _clean(text: str) -> str:
    text = unicodedata.normalize("NFKC", text or "")
    return " ".join(text.split()).casefold()


def _contains(text: str, phrase: str) -> bool:
    """Substring test; ASCII phrases must not be glued to other ASCII letters ("IT" ≠ "unit")."""
    if not phrase.isascii():
        return phrase in text
    return re.search(rf"(?<![a-z0-9]){re.escape(phrase)}(?![a-z0-9])", text) is not None


_EXACT: dict[str, str] = {}
for _code, _abbr, _zh, _en in SECTIONS:
    _EXACT[_clean(_zh)] = _EXACT[_clean(_en)] = _code
for _code, _sec, _zh, _en in DIVISIONS:  # division names win over equal section names (教育)
    _EXACT[_clean(_zh)] = _EXACT[_clean(_en)] = _code
_PHRASES = {_clean(p): c for p, c in PHRASES}
_DIVISION_ZH = [(code, _clean(zh)) for code, _sec, zh, _en in DIVISIONS]
_DIVISION_STEMS = [(c, n.removesuffix("业")) for c, n in _DIVISION_ZH if len(n.removesuffix("业")) >= 2]


def _by_code(text: str) -> str | None:
    if text.upper() in _SECTION_CODES:
        return text.upper()
    m = _CODE_RE.fullmatch(text.upper())
    if m:
        code = m.group(2).zfill(2)
        if code in _DIVISION_SECTION and m.group(1) in (None, _DIVISION_SECTION[code]):
            return code
    return None


def _resolve(text: str) -> str | None:
    """Resolve one cleaned, non-split piece of text."""
    if not text:
        return None
    found = _by_code(text) or _EXACT.get(text) or _PHRASES.get(text)
    if found:
        return found
    # Longest phrase, or division name minus trailing 业, contained in the text;
    # ties go to the later one (Chinese compounds are head-final: 汽车金融 -> 金融).
    hits = [(len(p), text.rfind(p), 1, c) for p, c in _PHRASES.items() if _contains(text, p)]
    hits += [(len(n), text.rfind(n), 0, c) for c, n in _DIVISION_STEMS if n in text]
    if hits:
        return max(hits)[3]
    # Division names containing the text: unique division, else their common section.
    if len(text) >= 2:
        codes = {c for c, n in _DIVISION_ZH if text in n}
        if len(codes) == 1:
            return codes.pop()
        sections = {_DIVISION_SECTION[c] for c in codes}
        if len(sections) == 1:
            return sections.pop()
    return None


def normalise_industry_text(text: str) -> str | None:
    """Best GB/T 4754-2017 division code (or section code) for free text, else None.

    Accepts official names (zh/en), codes ("36", "C36", "C"), colloquial phrases,
    and two-level forms such as "制造业-汽车零部件"; the most specific part wins.
    """
    cleaned = _clean(text)
    if not cleaned:
        return None
    whole = _by_code(cleaned) or _EXACT.get(cleaned) or _PHRASES.get(cleaned)
    if whole:
        return whole
    parts = [p for p in _SPLIT_RE.split(cleaned) if p]
    if len(parts) > 1:
        found = [c for c in map(_resolve, parts) if c]
        divisions = [c for c in found if c in _DIVISION_SECTION]
        if divisions:
            # Prefer a division inside a section named by another part.
            in_section = [c for c in divisions if _DIVISION_SECTION[c] in found]
            return (in_section or divisions)[-1]
        if found:
            return found[-1]
    return _resolve(cleaned)
