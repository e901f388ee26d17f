"""The text people read: chart titles and axes, captions, the report's sentences, the
organisation chart's words and the source documents' titles, each in Chinese and English;
and the helpers that turn a term or a value into text (``label``, ``shown``).

The words of the model itself — actors, need types, groups, channels, levels, units — are
the vocabulary (``govsim.config.vocabulary``), named there once; this module only shows
them.  Outcomes are named where they are declared (``Outcome`` in each mechanism module)
and reach charts through ``catalog.json``; scenario and population names and descriptions
live in their files (``name_zh`` / ``name_en``).
"""

from __future__ import annotations

from govsim.config.vocabulary import GROUPS, UNITS, difference_as, shown_as


def pick(zh: str, en: str, lang: str) -> str:
    """The Chinese or English one of a pair (scenario names and descriptions)."""
    return label({"x": (zh, en)}, "x", lang)


def label(table: dict, key: str, lang: str = "en") -> str:
    """Label of ``key`` in ``table`` (a vocabulary table or one of this module's) in
    ``lang`` ("zh" or "en")."""
    if lang not in ("zh", "en"):
        raise ValueError(f"lang must be 'zh' or 'en', got {lang!r}")
    entry = table[key]
    return entry[0] if lang == "zh" else entry[1]


def short_label(table: dict, key: str, lang: str = "en") -> str:
    """The short name of a term (need types in organisation charts), else its label."""
    entry = table[key]
    short = getattr(entry, "short_zh" if lang == "zh" else "short_en", "")
    return short or label(table, key, lang)


def bilingual(table: dict, key: str) -> str:
    """ "中文 / English" for tables that show both."""
    entry = table[key]
    return f"{entry[0]} / {entry[1]}"


# ------------------------------------------------------------------ values and units
def shown(unit: str, value: float | None) -> str:
    """A stored value as people read it (``vocabulary.UNITS``: ``shown``, ``factor``,
    ``digits``): 0.2534 share → "25.3%", 300 h → "12.5" (days); "–" for none."""
    if value is None or value != value:
        return "–"
    u, factor, digits = shown_as(unit)
    text = f"{value * factor:,.{digits}f}"
    if text.startswith("-") and not text.strip("-0.,"):
        text = text[1:]  # a value that shows as zero has no sign: never "−0"
    return text + "%" if u == "%" else text


def shown_difference(unit: str, value: float) -> str:
    """The size of a difference of two values as people read it (shares in percentage
    points, hours in days), without its sign."""
    _, factor, digits = difference_as(unit)
    return f"{abs(value) * factor:,.{digits}f}"


def signed_difference(unit: str, value: float) -> str:
    """A difference with its sign; one that shows as zero has none (never "−0")."""
    size = shown_difference(unit, value)
    if not size.strip("0.,"):
        return size
    return ("+" if value > 0 else "−") + size


# the units a difference is shown in, as words after a number in a sentence (``FRONT``)
DIFFERENCE_WORDS = {"pp": "unit_points", "days": "unit_days", "yuan/yr": "unit_yuan_year"}


def difference_words(unit: str, lang: str) -> str:
    """The words after a difference of ``unit`` in a sentence ("个百分点", " days"), or none."""
    words = DIFFERENCE_WORDS.get(difference_as(unit)[0])
    return label(FRONT, words, lang) if words else ""


def interval_words(unit: str, lo: float, hi: float, pairs: int, lang: str, signed=True) -> str:
    """A paired difference's 95% interval in words: "one replicate, no interval"; "the same
    in every replicate" when its ends show the same (never "0 to 0"); else its ends, with
    their signs, or — ``signed=False``, when a sentence has said the direction already —
    as sizes, the smaller first."""
    if pairs < 2:
        return label(FRONT, "no_interval", lang)
    ends = signed_difference(unit, lo), signed_difference(unit, hi)
    if ends[0] == ends[1]:  # no wider than the rounding
        return label(FRONT, "every_replicate", lang)
    if signed:
        return label(FRONT, "interval_signed", lang).format(lo=ends[0], hi=ends[1])
    small, large = sorted((abs(lo), abs(hi)))
    return label(FRONT, "interval", lang).format(
        lo=shown_difference(unit, small), hi=shown_difference(unit, large)
    )


def unit_label(unit: str, lang: str) -> str:
    """A unit's label (``vocabulary.UNITS``), or the unit itself when the table does not
    have it (a results directory of an older version)."""
    return label(UNITS, unit, lang) if unit in UNITS else unit


def shown_unit(unit: str, lang: str) -> str:
    """The label of the unit a value of ``unit`` is shown in."""
    return unit_label(shown_as(unit)[0], lang)


# what each chart shows, under it in the report
CAPTIONS = {
    "participation_over_time": (
        "每条线是一种结构在各次重复中的均值，阴影为95%区间；颜色、线型和标记都区分结构。前30天统计窗口尚未填满。农村结构的村民理事会约每季度（每13周）召集一次全村议事，到会者在其后30天内计入参与率，因此其曲线约每90天跳升一次、30天后回落。",
        "Each line is one structure's mean over replicates, the band its 95% interval; colour, line style and marker all tell the structures apart. The first 30 days fill the 30-day window. In the rural structure the villager councils call the natural village together about once a quarter (every 13 weeks); those who attend count as taking part for the next 30 days, so its line jumps about every 90 days and falls back 30 days later.",
    ),
    "response_time_ecdf": (
        "每种需求：在给定时间内（从1小时到数月，对数刻度）已解决的需求比例，线为各次重复的均值，阴影为95%区间。曲线终点低于100%的部分是到模拟结束仍未解决的需求（包括从未反映的）。每个面板左上角的框按图例顺序列出各结构已解决需求的中位时间。活动愿望不由机构办理：其时间为居民参加任一活动之时。",
        "For each need type: the share of needs answered within a given time (from an hour to months, log scale), the line the mean over replicates, the band its 95% interval. Where a curve ends below 100%, the rest were not answered by the end (never reported ones included). The box at the top left of each panel lists each structure's median time of answered needs, in the legend's order. Wishes for an activity are not handled by an institution: their time is until the resident took part in any activity.",
    ),
    "paired_differences": (
        "每个点是某结构与其比较对象（该地改革前的结构，或实验指定的参照结构，在同一人口上）在同一种子下的差异的均值；横线为95%区间，只反映随机种子之间的差异，不包括参数假设的不确定性。横线不跨零只说明在这些种子下差异的方向一致，并不表示差异确定；跨零则差异在随机波动之内。灰色带为“无实际差别”的范围：落在其中的差异小于该结果有实际意义的最小差别，不算结论。面板上方的“更好”箭头指向较好的一侧。",
        "Each point is a structure's mean difference from what it is compared with (what existed before it in its place, or the one reference the experiment names, on the same residents) on the same seeds; bars are 95% intervals that cover seed-to-seed variation only, not the uncertainty of the assumed parameters. A bar clear of zero says the difference kept its sign across these seeds, not that it is certain; a bar crossing zero is within seed-to-seed noise. The grey band is “no practical difference”: a difference inside it is smaller than the smallest that matters for the outcome, and not a finding. The “better” arrow at the top of a panel points to the better side.",
    ),
    "equity": (
        "老年人、劳动年龄人口、流动人口、弱势群体的参与率、响应时间中位数和未反映比例（群体有重叠）；方括号内为重复间95%区间。",
        "Participation, median response time and share never reported for the elderly, working-age, migrants and vulnerable residents (groups overlap); in brackets the 95% interval across replicates.",
    ),
    "cost_vs_outcomes": (
        "横轴为人均年成本（人员、场地、购买服务、补贴、积分兑换），纵轴为结果；误差线为95%区间。",
        "Cost per resident per year (staff, premises, purchased services, subsidies, points redeemed) against outcomes; bars are 95% intervals.",
    ),
    "need_flows": (
        "左：需求如何被反映、结果如何（紫色为已解决，灰色与阴影线为未解决）；右：已解决的需求在哪一级办结，越靠右越接近居民（颜色由深到浅）。这里的颜色不代表结构。",
        "Left: how needs were reported and how they ended (purples answered, greys and hatching not). Right: at which level answered needs were settled, nearer residents to the right (dark to light). Colours here do not stand for structures.",
    ),
    "org_chart": (
        "直接由结构文件绘制：每行是机构所在的层级，自上而下离居民由远到近；方框写机构名称、人员和可办结的比例；实线箭头是办不了的事项默认转递的去向，虚线箭头是按需求类型转递的去向；蓝框蓝字是居民首先找的机构。",
        "Drawn from the structure's file itself: each row is a level, from far from residents at the top to near them at the bottom; each box gives the institution, its staff and the share of each need type it can settle; solid arrows are where what it cannot settle goes by default, dashed arrows where a need type goes instead; blue boxes with blue text are where residents go first.",
    ),
}


# chart and report texts
TEXT: dict[str, tuple[str, str]] = {
    "note": (
        "{residents:,} 名居民 · {days} 天 · {replicates} 次重复 · 种子 {seeds}",
        "{residents:,} residents · {days} days · {replicates} replicate(s) · seeds {seeds}",
    ),
    "participation_over_time": (
        "近30天参与率随时间变化",
        "Participation over the last 30 days, over time",
    ),
    # the axis of participation day by day (the outcome's own name is its value at the end)
    "took_part_30d": (
        "近30天参加过活动的居民（%）",
        "residents who took part in the last 30 days (%)",
    ),
    # after a chart's title when it draws the bands (two replicates or more; one run has none)
    "bands": ("（阴影：重复间95%区间）", " (bands: 95% interval across replicates)"),
    "day": ("模拟天数（天）", "day of the simulation (days)"),
    "window_filling": ("前30天：统计窗口\n尚未填满", "first 30 days:\nwindow filling"),
    "share_pct": ("居民比例（%）", "share of residents (%)"),
    "response_ecdf": (
        "需求在给定时间内得到解决的比例（框内：已解决需求的中位时间）",
        "Share of needs answered within a given time (box: median time of answered needs)",
    ),
    "response_days": (
        "从需求产生到解决的时间（天，对数刻度）",
        "time from need arising to answer (days, log scale)",
    ),
    "response_time_axis": (
        "从需求产生到解决的时间（对数刻度）",
        "time from need arising to answer (log scale)",
    ),
    "tick_1h": ("1小时", "1 h"),
    "tick_1d": ("1天", "1 day"),
    "tick_1w": ("1周", "1 wk"),
    "tick_1mo": ("1个月", "1 mo"),
    "tick_3mo": ("3个月", "3 mo"),
    "tick_1y": ("1年", "1 yr"),
    "median_answered": ("中位时间", "median time"),
    "median_in_hours": ("{n:.0f}小时", "{n:.0f} h"),
    "median_in_days": ("{n:.1f}天", "{n:.1f} days"),
    "better_right": ("更好 →", "better →"),
    "better_left": ("← 更好", "← better"),
    "share_answered": ("已解决需求比例（%）", "share of needs answered (%)"),
    "ecdf_caption": (
        "曲线未达100%的部分，是到模拟结束仍未解决的需求（包括从未反映的）",
        "Curves stop short of 100% by the needs not answered by the end (never reported ones included)",
    ),
    "paired": (
        "与{ref}的配对差异（同一种子，95%区间）",
        "Paired difference from {ref} (same seeds, 95% interval)",
    ),
    "paired_before": (
        "与各自改革前结构的配对差异（同一人口、同一种子，95%区间）",
        "Paired difference from what existed before each (same residents and seeds, 95% interval)",
    ),
    "before_each": ("各自改革前的结构", "what existed before each"),
    "compared_with": ("比较对象（改革前的结构）", "compared with (what existed before)"),
    "difference": ("差异", "difference"),
    "sensitivity_title": (
        "各假设能使与{ref}之差变动多少（{method}÷差值；虚线=1，即可能抵消差值）",
        "How far each assumption moves the difference from {ref} ({method} ÷ the difference; dashed line = 1, enough to undo it)",
    ),
    "relative_importance": ("效应÷文件取值下的差值", "effect ÷ difference with the files' values"),
    "hinges_title": ("结论取决于哪些假设", "Which assumptions the conclusions hinge on"),
    "hinges_intro": (
        "敏感性筛查在各假设参数的合理范围内抽取{points}组取值，每组在所有结构上以相同种子运行。下表给出与{ref}之差在各组取值下保持方向的比例、差值范围，以及影响最大的两个假设（括号内为其效应相对于文件取值下差值的倍数，≥1即可能抵消差值）。",
        "A sensitivity screen drew {points} settings of the assumed parameters within their plausible ranges and ran each in every structure on the same seeds. The table gives how often each difference from {ref} kept its direction, its range, and the two assumptions it depends on most (in brackets, their effect as a multiple of the difference with the files' values: ×1 or more could undo it).",
    ),
    "same_sign": ("方向不变的比例", "direction kept"),
    "difference_range": ("差值范围", "range of the difference"),
    "depends_most": ("影响最大的假设", "depends most on"),
    "single_replicate": ("仅一次重复：无区间", "one replicate: no interval"),
    "group_axis": ("居民群体（群体有重叠）", "resident group (groups overlap)"),
    "structure_axis": ("治理结构", "governance structure"),
    "equity": ("不同群体的结果（黄色=较好）", "Outcomes by resident group (yellow = better)"),
    "equity_intervals": (
        "。方括号内：重复间95%区间",
        "; in brackets: 95% interval across replicates",
    ),
    "cost_vs": ("人均年成本与结果", "Cost per resident against outcomes"),
    "design_title": ("{name}：满足目标的设计", "{name}: designs that meet the goals"),
    "design_evaluated": ("搜索中评估的设计（{n}个）", "designs evaluated in the search ({n})"),
    "design_front": (
        "满足目标的最优设计（{n}个）",
        "designs on the front that meet the goals ({n})",
    ),
    "design_builtin": (
        "现有治理结构（同一人口、同一随机种子）",
        "built-in structures (same people and seeds)",
    ),
    "design_section": ("满足目标的设计", "Designs that meet the goals"),
    "design_asked": (
        "设计搜索“{name}”：从{start}出发，只改变下表中的杠杆，寻找满足全部目标、且在各项目标上不被其他设计明显超过的组合。",
        "The design search “{name}” starts from {start} and moves only the levers below, looking for the combinations that meet every goal and that no other design beats by a difference that matters.",
    ),
    "design_goals": ("目标（必须达到）：", "Goals (each must be met):"),
    "design_objectives": ("在此基础上尽量做好：", "Then as good as possible: "),
    "design_levers": ("可以改变的杠杆：", "Levers that may move:"),
    "design_lever": ("杠杆", "lever"),
    "design_now": ("现在", "now"),
    "design_moves": ("搜索范围", "searched over"),
    "design_range_source": ("范围的依据", "why this range"),
    "design_switch": ("开或关", "on or off"),
    "design_on": ("是", "on"),
    "design_off": ("否", "off"),
    "design_min": ("越低越好", "lower is better"),
    "design_max": ("越高越好", "higher is better"),
    "design_at_most": ("不超过", "at most"),
    "design_at_least": ("不低于", "at least"),
    "design_found": (
        "找到{n}个满足全部目标的最优设计：",
        "{n} designs on the front meet every goal:",
    ),
    "design_none": (
        "没有设计满足全部目标；下表是最接近的设计（按差距排序）。",
        "No design met every goal; the table gives the closest (by how far they miss).",
    ),
    "design_design": ("设计", "design"),
    "design_changes": ("改变了什么", "what it changes"),
    "design_unchanged": ("不改变（起点结构）", "nothing (the starting structure)"),
    "design_standing": (
        "现有{n}种治理结构在同一人口、同一随机种子上运行：其中{behind}种在前沿上或其后（未达到目标，或在每项目标上都不优于某个设计）。",
        "The {n} built-in structures run on the same people and seeds: {behind} of them lie on or behind the front (missing a goal, or no better than some design on every objective).",
    ),
    "design_structure": ("现有治理结构", "built-in structure"),
    "design_meets": ("达到目标", "meets the goals"),
    "design_place": ("相对前沿", "against the front"),
    "design_yes": ("是", "yes"),
    "design_no": ("否", "no"),
    "design_behind": ("在前沿上或其后", "on or behind"),
    "design_beyond": ("超出前沿", "beyond"),
    "design_front_caption": (
        "横轴、纵轴为前两项目标，颜色为第三项；灰点为搜索中评估的全部设计；红色菱形为现有治理结构；虚线为目标",
        "the first two objectives on the axes, the third as colour; grey: every design evaluated; red diamonds: the built-in structures; dashed lines: the goals",
    ),
    "design_example": ("设计{n}的组织结构", "Design {n}: its organisation"),
    "design_nearest": (
        "与文件中已有的治理结构相比，最接近的是{name}：{of}个杠杆中有{differ}个不同。",
        "Of the structures the documents describe, the nearest is {name}: {differ} of {of} levers differ.",
    ),
    "design_growth": (
        "搜索的收敛：每一代之后满足目标的设计数和前沿的超体积（0到1，越大越好；不再增长说明搜索已不再找到更好的设计）。",
        "How the search converged: after each generation, the designs meeting the goals and the front's hypervolume (0 to 1, larger is better; when it stops growing the search stops finding better designs).",
    ),
    "design_generation": ("代", "generation"),
    "design_meeting": ("满足目标的设计", "designs meeting the goals"),
    "design_hv": ("超体积", "hypervolume"),
    "design_limits": (
        "局限：这是模型给出的前沿，不是实测结果。杠杆的取值范围是假设，依据见上表。前沿来自{generations}代共{evaluations}个设计，每个设计{replicates}次配对重复，每次{residents}名居民、{days}天；差别小于各项结果“有实际意义的最小差别”的设计视为同一个设计。",
        "Limits: this is a model's front, not a measured one. The levers' ranges are assumptions, with their reasons above. The front stands on {evaluations} designs over {generations} generations, each run as {replicates} paired replicates of {residents} residents over {days} days; designs closer than each outcome's smallest difference that matters count as one.",
    ),
    "design_robust": (
        "每个设计还在{settings}种争议假设下运行，每项结果取最不利的一成。",
        " Every design also ran under {settings} settings of the contested assumptions, each outcome read at the worst tenth.",
    ),
    "design_note": (
        "模型结果：每个设计{runs}次配对重复，每次{residents}名居民、{days}天；虚线为目标",
        "a model's results: paired seeds per design: {runs}, each {residents} residents over {days} days; dashed lines: the goals",
    ),
    "cost_axis": ("人均年成本（元/年）", "cost per resident per year (yuan)"),
    "org_chart": ("组织结构与请求路径：{name}", "Structure and request routes: {name}"),
    "org_caption": (
        "实线：默认转递；虚线：按需求类型转递；底部：居民首先找谁；括号内：可办结比例",
        "solid: default relay; dashed: relay by need type; bottom: where residents go first; in brackets: share each can settle",
    ),
    "residents_box": ("居民", "residents"),
    "flows": ("需求的去向", "Where needs went"),
    "flows_path": ("按反映途径与结果（%）", "by path and outcome (%)"),
    "flows_resolver": (
        "已解决需求在哪一级办结（从远到近，%）",
        "answered needs by the level that settled them (far to near, %)",
    ),
    "taking_part": ("参与活动得到满足", "met by taking part"),
    "share_of_needs": ("需求比例（%）", "share of needs (%)"),
    # one per channel of the runs' catalog.json
    "resolved_via": ("{channel}后解决", "answered ({channel})"),
    "resolved_unreported": ("未反映即得到满足（活动）", "met without a report (activities)"),
    "pending": ("已反映、尚未解决", "reported, not yet answered"),
    "abandoned": ("转递中丢失后放弃", "given up after being lost on the way"),
    "never_reported": ("从未反映", "never reported"),
    "admin_tasks": ("下派任务 {n:g}", "admin tasks {n:g}"),
    "outreach": ("主动发现", "outreach"),
    "ab_backup": ("AB岗", "AB backup"),
    "time_limit": ("限时 {d:g}天", "time limit {d:g}d"),
    "accept_first": ("信用在先", "accept first"),
    "online_phone": ("网上/电话：{types}", "online/phone: {types}"),
    "structure": ("结构", "structure"),
    "outcome": ("结果", "outcome"),
    "seed_documents": ("来源文件", "seed documents"),
    "institution_sources": ("各机构参数来源", "sources of each institution's numbers"),
    "appendix_sources": (
        "附录：各机构参数来源",
        "Appendix: the sources of each institution's numbers",
    ),
    "appendix_intro": (
        "每项取值注明依据的种类——来源文件（编号见各结构的“来源文件”）、法律、公开统计、通用规则、校准或假设；「」内为文件原文，已转为简体字。每项依据的推理以英文记录，见英文版报告。",
        "Each value with its source as the structure's file records it; 「」 marks the source documents' own words (in simplified characters). The numbers are those of each structure's source documents.",
    ),
    "in_appendix": ("见附录", "in the appendix"),
    "sessions_held": ("每个机构每年举办的场次", "sessions one body holds a year"),
    "source_documents": ("来源文件", "source documents"),
    "figures_beside": (
        "点击（在手机上轻触）图表可放大到原始大小，再点一次恢复。每张图的PNG和SVG文件另存于生成本报告时其旁边的figures文件夹中；本页已内嵌全部图表，可单独发送。",
        "Click (on a phone, tap) a chart to see it at full size; again to go back. Each chart is also saved as PNG and SVG in the figures folder written beside this report; the page itself holds every chart and can be sent on its own.",
    ),
    "residents": ("居民人数", "residents"),
    "days": ("模拟天数", "days"),
    "replicates": ("重复次数", "replicates"),
    "seeds": ("随机种子", "seeds"),
    "population_profile": ("人口构成", "population profile"),
    "reference_structure": ("参照结构", "reference structure"),
    "election_year": ("换届选举", "committee elections"),
    "election_held": (
        "选举年：委员会在模拟年内换届选举（每届任期五年）",
        "an election year: committees are elected in the simulated year (five-year terms)",
    ),
    "election_not_held": (
        "非选举年：模拟年内不举行换届选举（每届任期五年，五年一选）",
        "an ordinary year: no committee election in the simulated year (five-year terms, one "
        "election in five years)",
    ),
    "results_directory": ("结果目录", "results directory"),
    "staff": ("人员", "staff"),
    "windows": ("窗口", "windows"),
    "instances": ("个", "instances"),
    "report_title": ("社区治理结构比较报告", "Community-governance structures compared"),
    "unfinished": (
        "注意：此结果目录尚未完成——计划的{planned}次运行中有{missing}次缺失或不完整，下文只用已完成的运行。再次运行同一命令即可继续。",
        "Note: this results directory is unfinished — {missing} of its {planned} planned runs are missing or incomplete, and what follows uses only the finished ones. Run the same command again to go on.",
    ),
    "headline": ("主要结果（均值 [95%区间]）", "Headline outcomes (mean [95% interval])"),
    "settings": ("运行设置", "Run settings"),
    "structures": ("治理结构及其来源", "The structures and their sources"),
    "charts": ("图表", "Charts"),
    "contents": ("目录", "Contents"),
    "governance": (
        "社区如何自治：议事、组织、居委会工作与信任（均值 [95%区间]）",
        "How the community governs itself: councils, organisations, committee work and trust (mean [95% interval])",
    ),
    "paired_design": (
        "每次重复中所有结构使用同一随机种子：在同一人口构成下，同样的居民、同样的需求，差异只来自结构本身；每种结构与其所在地改革前的结构（结构文件中写明）在同样的人口和种子上配对比较；实验也可指定一个参照结构与所有结构比较。区间为各次重复之间的95%区间，只反映随机种子之间的差异，不会超出结果可能的取值范围。",
        "In each replicate every structure uses the same seed: on one population profile the same residents and the same stream of needs, so differences come from structure alone; each structure is paired with the structure that existed before it in its place (its file's before), run on the same profile and seeds; an experiment may instead name one structure to pair every other with. Intervals are 95% intervals across replicates (t-intervals on the logit scale for shares and the log scale for non-negative quantities, transformed back, so they stay within the outcome's range); they cover seed-to-seed variation only.",
    ),
    # the live model (govsim app)
    "app_title": ("社区治理实时模型", "Community governance, live model"),
    "choices": ("结构与杠杆", "Structure and levers"),
    "design_load": ("载入搜索得到的设计", "load a design the search found"),
    "understaffed": (
        "人手不足：开放的窗口多于工作人员按每周40小时所能值守的（设计搜索不会采用这样的结构）：",
        "Understaffed: more windows open than the staff can hold on a 40-hour week (a design "
        "search refuses such a structure): ",
    ),
    "understaffed_body": (
        "{name}{windows}个窗口每周开放{week}小时，需{need}人值守，现有{staff}人",
        "{name}: {windows} windows open {week} h a week need {need} staff; it has {staff}",
    ),
    "design_option": ("设计{n}", "design {n}"),
    "restart_note": (
        "任何改动都会让两个模型从第0天重新开始。",
        "Any change restarts both runs at day 0.",
    ),
    "seed": ("随机种子", "seed"),
    "levers": ("杠杆", "Levers"),
    "not_here": ("此结构不适用：", "Not in this structure: "),
    "changed": ("（已调整）", " (levers moved)"),
    "reference_mark": ("（参照）", " (reference)"),
    "state_waiting": ("有需求在办理中", "a need in the system"),
    "state_served": ("近30天需求得到解决", "need answered, last 30 days"),
    "state_taking_part": ("近30天参与活动", "took part, last 30 days"),
    "state_none": ("以上皆无", "none of these"),
    "queue_mark": ("机构（数字：排队中的请求）", "institution (number: requests in its queue)"),
    "network_title": (
        "{n}名居民样本（共{residents:,}名）与各机构，第{day}天",
        "A sample of {n} of {residents:,} residents and the institutions, day {day}",
    ),
    "network_caption": (
        "上方：各级机构，实线为转递路径；下方：居民样本，按楼栋排列，细线连到其办事首先去的机构。居民颜色按优先顺序：办理中＞已解决＞参与。机构的队列按其全部服务人口计（含样本外居民）。",
        "Top: the institutions by level, solid lines the relays; bottom: the sample of residents in building order, thin lines to where each goes first with an errand. A resident's colour follows the first that applies: waiting, answered, took part. An institution's queue counts all the people it serves, not only the simulated sample.",
    ),
    "live_participation": ("近30天参与率", "Participation, last 30 days"),
    "live_response": (
        "近30天解决的服务需求：从产生到解决的中位天数",
        "Response: median days, needs answered in the last 30 days",
    ),
    "median_days": ("中位数（天）", "median (days)"),
    "readout_start": ("第0天：按“单步”或“运行”开始", "day 0: press Step or Play to run"),
    "readout": (
        "第{day}天 · 参与率 {part:.1f}%（参照 {part_ref:.1f}%）· 响应中位数 {days} 天（参照 {days_ref} 天）",
        "day {day} · participation {part:.1f}% (reference {part_ref:.1f}%) · median response {days} days (reference {days_ref} days)",
    ),
    "org_title": ("组织结构与请求路径", "Structure and request routes"),
    "controls": ("运行", "Run"),
    "step": ("单步", "Step"),
    "play": ("运行 ▶", "Play ▶"),
    "pause": ("暂停 ❚❚", "Pause ❚❚"),
    "reset": ("重置", "Reset"),
    "day_n": ("第{day}天", "day {day}"),
    "network_alt": (
        "{day}：居民样本与各机构",
        "{day}: the sample of residents and the institutions",
    ),
    "series_alt": (
        "{day}：参与率与响应时间，与参照结构对比",
        "{day}: participation and response time beside the reference",
    ),
}


# the report's front page (govsim.presentation.briefing): sentences for a decision maker
FRONT: dict[str, tuple[str, str]] = {
    "front_title": ("摘要：哪种结构做得更好", "Summary: which structure does what"),
    "front_question": (
        "哪种组织社区的方式能让更多居民参与、更快回应居民的需求？对谁更好？代价多大？",
        "Which way of organising a community gets more residents involved and answers their needs faster, for whom, and at what cost?",
    ),
    "front_intro": (
        "本报告比较{n}种治理结构（{names}）。每种结构在一个{residents}名居民的模拟辖区中运行{days}天，重复{replicates}次；每次重复中，各结构面对与参照结构“{ref}”相同的居民和相同的需求，因此差异只来自结构本身。",
        "This report compares {n} governance structures ({names}). Each ran on a simulated district of {residents} residents for {days} days, {replicates} times; in each replicate every structure met the same residents and the same needs as the reference, {ref}, so the differences come from the structure alone.",
    ),
    "front_intro_before": (
        "本报告比较{n}种治理结构（{names}）。每种结构在一个{residents}名居民的模拟辖区中运行{days}天，重复{replicates}次；每种结构与其所在地改革前的结构相比（各项结果中注明），两者在每次重复中面对相同的居民和相同的需求，因此差异只来自结构本身。",
        "This report compares {n} governance structures ({names}). Each ran on a simulated district of {residents} residents for {days} days, {replicates} times; each is compared with what existed before it in its place (named with each result), and in each replicate the two met the same residents and the same needs, so the differences come from the structure alone.",
    ),
    "before_lead": (
        "各结构与其所在地改革前的结构在同一人口上相比",
        "each structure against what existed before it in its place, on the same residents",
    ),
    "ref_value": ("参照结构{ref}为{value}", "the reference, {ref}, reached {value}"),
    "dir_better_higher": ("更好：", "Better: "),
    "dir_worse_higher": ("更差：", "Worse: "),
    "dir_better_lower": ("更好：", "Better: "),
    "dir_worse_lower": ("更差：", "Worse: "),
    "dir_higher": ("更高：", "Higher: "),
    "dir_lower": ("更低：", "Lower: "),
    "dir_same": (
        "无实际差别（差别不超过{least}，不算结论）：",
        "No practical difference (at most {least}, not a finding): ",
    ),
    "dir_noise": (
        "差别在随机波动之内：",
        "Within seed-to-seed noise: ",
    ),
    "interval": ("95%区间{lo}至{hi}", "95% interval {lo} to {hi}"),
    "interval_signed": ("95%区间{lo}至{hi}", "95% interval {lo} to {hi}"),
    "every_replicate": ("各次重复相同", "the same in every replicate"),
    "no_interval": ("仅一次重复，无区间", "one replicate, no interval"),
    "up": ("高", "higher by "),
    "down": ("低", "lower by "),
    "other_reference": (
        "；与同一人口上的{ref}相比",
        "; compared with {ref}, on the same residents",
    ),
    "unit_points": ("个百分点", " points"),
    "unit_days": ("天", " days"),
    "unit_yuan_year": ("元/年", " yuan a year"),
    "key_title": ("要点", "Key messages"),
    "key_intro": (
        "每种结构与其所在地改革前的结构在相同的居民和需求上相比；只有超出随机波动、且大于有实际意义的最小差别的差异才算结论。",
        "Each structure is compared with what existed before it in its place, on the same residents and needs; only a difference beyond seed noise and larger than the smallest that matters counts.",
    ),
    "key_better": (
        "{n}更好，幅度最大的是{top}（{size}）",
        "{n} better, most of all {top} ({size})",
    ),
    "key_worse": ("{n}更差（{names}）", "{n} worse ({names})"),
    "key_unresolved_lead": ("期末未解决的事项", "cases unresolved at the end"),
    "key_unresolved_mostly": (
        "多半是从未被反映的——各结构中{never}的事项从未被反映给任何机构，而已反映的事项中期末仍未解决的占{reported}",
        "mostly cases never reported — in the structures {never} of cases never reach any body, while of the reported cases {reported} are still unresolved at the end",
    ),
    "key_unresolved": (
        "各结构中{never}的事项从未被反映给任何机构；已反映的事项中期末仍未解决的占{reported}",
        "in the structures {never} of cases never reach any body; of the reported cases {reported} are still unresolved at the end",
    ),
    "range": ("{lo}至{hi}", "{lo}–{hi}"),
    "key_unclear": (
        "{n}无实际差别或不确定",
        "{n} with no practical or no certain difference",
    ),
    "key_untested": (
        "这些结论只在文件给定的参数值下得出，尚未在有争议的参数假设下检验（见“解读时请注意”）。",
        "These conclusions come from the files' values alone; they have not been tried under the contested assumptions (see “Read with care”).",
    ),
    "key_held": (
        "，以上每项在有争议参数的各种设定中至少{share}成立",
        ", each of these holding in at least {share} of the contested settings",
    ),
    "key_held_all": (
        "，以上每项在有争议参数的所有设定中都成立",
        ", each of these holding in every contested setting",
    ),
    "matrix_title": (
        "一览：各结构与改革前相比",
        "At a glance: each structure against what came before",
    ),
    "matrix_title_one": (
        "一览：各结构与参照结构相比",
        "At a glance: each structure against the reference",
    ),
    "key_intro_one": (
        "每种结构与实验指定的参照结构{ref}在相同的居民和需求上相比；只有超出随机波动、且大于有实际意义的最小差别的差异才算结论。",
        "Each structure is compared with the reference the experiment names, {ref}, on the same residents and needs; only a difference beyond seed noise and larger than the smallest that matters counts.",
    ),
    "m_higher": ("更高", "higher"),
    "m_lower": ("更低", "lower"),
    "m_structure": ("结构（比较对象）", "structure (compared with)"),
    "m_against": ("对比：{ref}", "vs {ref}"),
    "m_better": ("更好", "better"),
    "m_worse": ("更差", "worse"),
    "m_same": ("无实际差别", "no practical difference"),
    "m_noise": ("不确定", "uncertain"),
    "m_one": ("仅一次重复", "one replicate"),
    "matrix_note": (
        "“更好”“更差”：配对差异超出随机波动，且大于该结果有实际意义的最小差别；“无实际差别”：差别不超过这一最小差别；“不确定”：差别较大，但在随机波动之内。数字为与比较对象之差（百分点、天、元/年）。",
        "“Better”, “worse”: the paired difference is beyond seed noise and larger than the smallest difference that matters for the outcome; “no practical difference”: no larger than that; “uncertain”: larger, but within seed noise. The numbers are differences from what each is compared with (percentage points, days, yuan a year).",
    ),
    "details_title": ("各项结果详述", "Each outcome in detail"),
    "goals_title": ("哪种结构适合哪个目标", "Which structure for which goal"),
    "goal": ("目标", "goal"),
    "goal_best": ("最佳", "best"),
    "goal_next": ("其次", "next"),
    "goal_clear": (
        "是否确实领先（超出随机波动，且大到有实际意义）",
        "a real lead? (beyond noise and large enough to matter)",
    ),
    "goal_fastest": (
        "回应最快（从需求产生到答复，中位数）",
        "fastest answers (from the need arising to the answer, median)",
    ),
    "goal_handled": (
        "办理最快（从居民反映到答复，中位数）",
        "fastest handling (from the report to the answer, median)",
    ),
    "goal_participation": ("参与最多（近30天参与率）", "most participation (last 30 days)"),
    "goal_fairest": (
        "最公平（参与最少的群体——老年人、流动人口或弱势群体——的参与率与全体居民之比；达到1即没有群体落后）",
        "fairest (participation of the group taking part least — elderly, migrant or vulnerable residents — as a share of everyone's; 1: no group falls behind)",
    ),
    "goal_vulnerable_reported": (
        "弱势群体的事项最少无人反映（弱势群体事项未被反映比例）",
        "fewest cases of vulnerable residents never reported (their share of cases never reported)",
    ),
    "goal_cheapest": ("成本最低（人均年成本）", "cheapest (cost per resident per year)"),
    "goal_settled": ("最多事项在社区内办结", "most needs settled inside the community"),
    "clear_yes": (
        "是（配对差异的95%区间不含零，且差别大到有实际意义）",
        "yes (the paired difference's 95% interval excludes zero, and it is large enough to matter)",
    ),
    "clear_no": ("否，在随机波动之内", "no, within seed-to-seed noise"),
    "clear_same": ("否，差别太小，无实际意义", "no, too small a difference to matter"),
    "clear_one_replicate": ("无法判断：仅一次重复", "cannot tell: one replicate"),
    "clear_other_people": (
        "无法配对：两者的居民不同",
        "not paired: they ran on different residents",
    ),
    "caveats_title": ("解读时请注意", "Read with care"),
    "caveat_intervals": (
        "区间只反映随机种子之间的波动（{replicates}次重复），不反映模型假设本身的不确定性。",
        "The intervals cover only the variation between random seeds ({replicates} replicates), not the uncertainty of the model's assumptions.",
    ),
    "caveat_assumptions": (
        "大多数行为系数和需求发生率是假设（参数表中逐项注明来源）；只有行政负担占比、选举参与、社会组织新设率和参照结构的时间尺度经过校准。局限见govsim源码中的docs/ODD.md“局限”一节。",
        "Most behavioural coefficients and need rates are assumptions (the parameter table gives each one's source); only the administrative share, election turnout, the founding rate of organisations and the reference's time scale are calibrated. The limitations are listed in docs/ODD.md, section “Limitations”, in govsim's source.",
    ),
    "caveat_not_screened": (
        "本报告未附敏感性筛查：结论是否取决于某个假设尚未检验（运行 govsim sensitivity screen，再以 --sensitivity 生成报告）。",
        "No sensitivity screen is attached: whether a conclusion hinges on an assumption has not been checked (run govsim sensitivity screen and build the report with --sensitivity).",
    ),
    "caveat_fragile": (
        "在敏感性筛查的各组假设取值下，以下差异并不总是保持方向，应视为不确定：{items}。",
        "Across the sensitivity screen's settings of the assumptions, these differences did not always keep their direction and should be treated as uncertain: {items}.",
    ),
    "fragile_item": (
        "{structure}的{outcome}（{share}保持方向）",
        "{structure}, {outcome} ({share} kept direction)",
    ),
    "caveat_robust": (
        "在敏感性筛查的各组假设取值下，上述差异的方向都至少在90%的取值中保持不变。",
        "Across the sensitivity screen's settings of the assumptions, every difference above kept its direction in at least 90% of them.",
    ),
    "caveat_populations": (
        "各结构所用的人口构成：{items}。",
        "Population profile each structure ran on: {items}.",
    ),
    "caveat_sample": (
        "每次运行是对其文件所描述辖区的抽样（{residents}名居民，{days}天）：人均结果不取决于模拟多少居民，但取决于文件所述的社区规模与布局。",
        "Each run is a sample of the district its file describes ({residents} residents, {days} days): results per resident do not depend on how many residents are simulated, but on the community sizes and layout the file describes.",
    ),
    "caveat_trust": (
        "信任度为0–1的量表，每位居民从0.5左右开始；本报告中各结构的均值在{lo}至{hi}之间，即仅略偏离起点。",
        "Trust is on a 0–1 scale on which every resident starts near 0.5; the structures' means here lie between {lo} and {hi}, that is, close to where they started.",
    ),
}

# organisation charts (``govsim.presentation.charts.org``)
ORG_TEXT: dict[str, tuple[str, str]] = {
    "staff_whole": ("{n}人", "{n} staff"),
    "staff_about": ("约{n}人", "about {n} staff"),
    "no_staff": ("无专职人员", "no dedicated staff"),
    "windows_n": ("{n}个窗口", "{n} windows"),
    "window_one": ("1个窗口", "1 window"),
    "organisations_n": ("{n}个组织", "{n} organisations"),
    "per_units": ("每{n}个{unit}一个", "one per {n} {units}"),
    "settles": ("可办结：{items}", "settles: {items}"),
    "settles_nothing": ("自身不办结，只转递", "settles nothing itself, relays"),
    "walk_in": ("居民首先找这里：{types}", "residents come here first: {types}"),
    "remote": ("电话/网上：{types}", "phone / online: {types}"),
    "rest": ("其余", "the rest"),
    "legend_default": ("默认转递（办不了的）", "default relay (what it cannot settle)"),
    "legend_typed": ("按需求类型转递", "relay by need type"),
    "legend_walk_in": (
        "居民首先找的机构（蓝框、蓝字）",
        "where residents go first (blue frame, text)",
    ),
    "legend_remote": ("电话/网上渠道（橙字）", "phone / online channel (orange text)"),
    "legend_full": ("可全部办结某类需求", "settles some need type in full"),
    "legend_part": ("可办结部分需求", "settles part of some needs"),
    "legend_none": ("自身不办结", "settles nothing itself"),
    "note": (
        "每行是机构所在的层级（从上到下：离居民由远到近）；方框写机构名称、人员与可办结的比例；箭头写转递的需求类型。",
        "Each row is the level an institution serves (top: furthest from residents); boxes give the institution, its staff and the share of each need type it settles; arrows name the need types they relay.",
    ),
}


# the source documents (../shared/seeds/README.md): a short title for each file, shown in the
# report instead of the file name (the titles name the city; the structures name the district)
SEED_TITLES: dict[str, tuple[str, str]] = {
    "000_b7dc9544580f43be.txt": (
        "珠海社会管理工作简报：各地社区治理经验（2016）",
        "Zhuhai social-management brief: community governance elsewhere (2016)",
    ),
    "001_d8b325eb3999ca41.txt": (
        "西宁：撤销街道、区直管社区改革（2016）",
        "Xining: street offices abolished, communities run by the district (2016)",
    ),
    "002_9f533400841cca68.txt": (
        "张家港：农村安置社区“五个多元共治”（2016）",
        "Zhangjiagang: five-way co-governance in a rural resettlement community (2016)",
    ),
    "003_3440d8978a7e16a1.txt": (
        "深圳：社区“一核多元”与“1+3+N”（2014）",
        "Shenzhen: one party core, many actors — “1+3+N” (2014)",
    ),
    "004_83e6c7e7227146c9.txt": (
        "重庆沙坪坝区委党校：传统社区管理的问题与对策（2016）",
        "Chongqing Shapingba party school: problems of the traditional model and remedies (2016)",
    ),
}

# the values of a structure's file, named for people who read its sources (notebook 01,
# ``govsim.presentation.sources``): a key of the file, ``*`` for any institution or schedule;
# a value given per need type (``authority.admin_service``) is named with the need type
PARAMETER_NAMES: dict[str, tuple[str, str]] = {
    "scenario.population": ("服务的人口", "the people it serves"),
    "scenario.before": ("改革前的结构", "what existed before the reform"),
    "scenario.election_year": ("是否为换届选举年", "whether the year has a committee election"),
    "layout.residents_per_community": ("一个社区的居民数", "residents of a community"),
    "layout.residents_per_jurisdiction": (
        "一个居委会辖区的居民数",
        "residents of a committee's area",
    ),
    "layout.households_per_grid": ("一个网格的户数", "households of a grid"),
    "routing.walk_in": ("居民首先找谁", "where residents go first"),
    "routing.remote": ("电话和网上渠道", "phone and online channels"),
    "departures.community_workers_per_10k": (
        "每万名居民的社区工作者（与通行标准不同）",
        "community workers per 10,000 residents (departing from the usual rule)",
    ),
    "departures.social_organisations_per_10k": (
        "每万名居民的社会组织（与通行标准不同）",
        "social organisations per 10,000 residents (departing from the usual rule)",
    ),
    "incentives.points.per_session": (
        "每参加一次所得积分",
        "points for each session taken part in",
    ),
    "incentives.points.redeem_share": ("积分兑换的比例", "share of points exchanged"),
    "incentives.points.yuan_per_point": ("每分折合的金额", "money a point is worth"),
    "schedules.*": ("开放时间", "opening hours"),
    "institutions.*.name_zh": ("中文名称", "Chinese name"),
    "institutions.*.name_en": ("英文名称", "English name"),
    "institutions.*.per": ("设置密度（每几个单位一个）", "one for how many units"),
    "institutions.*.design_residents": ("设计服务人数", "residents it is built for"),
    "institutions.*.staff": ("人员", "staff"),
    "institutions.*.members": ("选举产生的委员", "elected members"),
    "institutions.*.windows": ("窗口", "windows"),
    "institutions.*.hours": ("开放时间", "opening hours"),
    "institutions.*.organisations": ("社会组织数", "organisations"),
    "institutions.*.admin_tasks": ("下派任务数", "tasks pushed down to it"),
    "institutions.*.authority": ("可办结的比例", "share it can settle"),
    "institutions.*.forwards_to": ("办不了的事转给谁", "where it passes what it cannot settle"),
    "institutions.*.forwards": ("按事项类型转给谁", "where it passes each need type"),
    "institutions.*.relay_delay_h": ("转办耽搁的时间", "delay of passing a need on"),
    "institutions.*.relay_loss": ("转办中遗失的比例", "share lost when passing a need on"),
    "institutions.*.processing_days": ("后台办理天数", "days of back-office processing"),
    "institutions.*.time_limit_days": ("限时办结的时限", "time limit for settling"),
    "institutions.*.backup": ("AB岗互为后备", "posts covering for each other"),
    "institutions.*.evaluation": ("居民评议（下评上）", "residents' rating of its staff"),
    "institutions.*.outreach": ("主动走访发现", "visits that find needs"),
    "institutions.*.offers": ("固定的活动与议事场次", "regular sessions it holds"),
    "institutions.*.sessions_per_year": ("每年自办的活动与会议", "own sessions a year"),
    "institutions.*.self_governance": ("空余工时的用途", "how spare hours are spent"),
    "institutions.*.council": ("议事决定", "decisions of its council"),
    "institutions.*.council.yuan_per_decision": ("落实一项决定的费用", "money a decision costs"),
    "institutions.*.pools": ("驻区单位投入的资源", "money units in the area pool"),
    "institutions.*.incubator": ("社会组织孵化", "incubation of organisations"),
    "institutions.*.costs": ("年度费用", "yearly costs"),
}

# opening hours in words (``govsim.presentation.sources.opening_hours``)
WEEKDAY_NAMES: dict[str, tuple[str, str]] = {
    "mon": ("周一", "Mon"),
    "tue": ("周二", "Tue"),
    "wed": ("周三", "Wed"),
    "thu": ("周四", "Thu"),
    "fri": ("周五", "Fri"),
    "sat": ("周六", "Sat"),
    "sun": ("周日", "Sun"),
}
# the kinds of source a value's source line names (``sources.source_words``): in Chinese a
# value is shown with these and the documents' own words, the reasoning being English
SOURCE_KINDS: dict[str, tuple[str, str]] = {
    "document": ("文件", "document"),
    "law": ("法律", "law"),
    "statistic": ("公开统计", "public statistic"),
    "rule": ("通用规则", "the common rule"),
    "calibrated": ("经校准", "calibrated"),
    "assumption": ("假设", "assumption"),
    "unnamed": ("见英文版", "see the English report"),
}
HOURS_TEXT: dict[str, tuple[str, str]] = {
    "every_day": ("每天", "every day"),
    "day_range": ("{first}至{last}", "{first}–{last}"),
    "and": ("、", ", "),
    "blocks": ("；", "; "),
}

# one resident in a notebook (``model.residents[i]``: ``notebook.resident_html``): the
# attributes the population and the structure give, then the states the modules keep
RESIDENT_FIELDS: dict[str, tuple[str, str]] = {
    "index": ("编号", "number"),
    "age_group": ("年龄组", "age group"),
    "migrant": ("流动人口/新市民", "migrant / new citizen"),
    "vulnerable": ("困难群体", "vulnerable"),
    "employed": ("有固定工时的工作", "in work with fixed hours"),
    "party_member": ("党员", "party member"),
    "digital": ("会用网上办事", "uses online services"),
    "household": ("户（编号）", "household (number)"),
    "building": ("楼栋（编号）", "building (number)"),
    "community": ("社区（编号）", "community (number)"),
    "jurisdiction": ("居委会辖区（编号）", "committee area (number)"),
    "grid": ("网格（编号）", "grid (number)"),
    "propensity": ("参与倾向（0–1）", "propensity to take part (0–1)"),
    "trust": ("对机构的信任（0–1）", "trust in the institutions (0–1)"),
    "belonging": ("归属感（0–1）", "belonging to the community (0–1)"),
    "free_hours_per_week": ("每周可外出的空闲小时", "free hours a week to go somewhere"),
    "last_day": ("最近一次参加{kind}", "last day of {kind}"),
    "invited_until": ("受到的邀请有效至", "an invitation counts until"),
    "member_of": ("最近做志愿的机构（编号）", "institution last volunteered with (number)"),
    "days_recent": (
        "预热期后“近30天参加过”的天数",
        "days after the warm-up counted as taking part",
    ),
    "points": ("积分", "points"),
    "trust_committee": ("对社区自身组织的信任（0–1）", "trust in the community's own bodies (0–1)"),
    "trust_government": ("对上级政府的信任（0–1）", "trust in the government above (0–1)"),
}
# states kept as a day of the run (shown as 第n天 / day n; never: 从未)
RESIDENT_DAYS = frozenset({"last_day", "invited_until"})
# a resident's age group: the groups outcomes are reported for name two of them
AGE_NAMES: dict[str, tuple[str, str]] = {
    "child": ("儿童", "child"),
    **{k: tuple(GROUPS[k]) for k in ("working_age", "elderly")},
}
RESIDENT_TEXT: dict[str, tuple[str, str]] = {
    "caption": ("第{i}位居民", "resident {i}"),
    "yes": ("是", "yes"),
    "no": ("否", "no"),
    "never": ("从未", "never"),
    "none": ("无", "none"),
    "day": ("第{n}天", "day {n}"),
    "attribute": ("属性", "attribute"),
    "value": ("值", "value"),
}

# The claims a report makes, as ``govsim robustness`` tests them over the contested settings
# (``govsim.experiments.claims``): one sentence per kind and direction, then how the report
# and the chart quote a claim's share and what it hinges on.
CLAIMS: dict[str, tuple[str, str]] = {
    "reference_better": (
        "{subject}的{outcome}优于{other}",
        "{subject} better than {other} on {outcome}",
    ),
    "reference_worse": (
        "{subject}的{outcome}不如{other}",
        "{subject} worse than {other} on {outcome}",
    ),
    "reference_same": (
        "{subject}与{other}的{outcome}相差不大",
        "{subject} no different from {other} on {outcome}",
    ),
    "pair_better": (
        "{subject}的{outcome}优于{other}",
        "{subject} better than {other} on {outcome}",
    ),
    "pair_same": (
        "{subject}与{other}的{outcome}相差不大",
        "{subject} no different from {other} on {outcome}",
    ),
    "first_better": (
        "{subject}的{outcome}居各结构之首",
        "{subject} first of the structures on {outcome}",
    ),
    "first_same": ("{outcome}上没有明显领先的结构", "no structure clearly first on {outcome}"),
    # the chart's panels name the outcome: its bars say the rest
    "short_reference_better": ("{subject}优于{other}", "{subject} better than {other}"),
    "short_reference_worse": ("{subject}不如{other}", "{subject} worse than {other}"),
    "short_reference_same": ("{subject}与{other}相差不大", "{subject} no different from {other}"),
    "short_pair_better": ("{subject}优于{other}", "{subject} better than {other}"),
    "short_pair_same": ("{subject}与{other}相差不大", "{subject} no different from {other}"),
    "short_first_better": ("{subject}居首", "{subject} first"),
    "short_first_same": ("没有明显领先者", "none clearly first"),
    "holds": ("在{share}的争议设定中成立", "holds in {share} of contested settings"),
    "population_profile": ("人口构成", "population profile"),
    "declared_population": ("各结构自身的画像", "each structure's own"),
    "hinges": ("取决于：{names}", "hinges on: {names}"),
    # the box of settings where it fails: the share of those settings inside it (coverage)
    # and the share of the settings inside it where it fails (density)
    "box": ("（覆盖{coverage}，密度{density}）", " (coverage {coverage}, density {density})"),
    "hinges_none": ("不取决于所抽取的假设", "none of the sampled assumptions"),
    "hinges_never": ("在所有抽样设定中都不成立", "fails in every sampled setting"),
    "hinges_unclear": ("找不到单一的假设区域", "no single region of the assumptions"),
    "claims_title": (
        "结论在多少争议设定中成立",
        "In how many contested settings each conclusion holds",
    ),
    "claims_intro": (
        "争议假设（experiments/contested.toml）在其范围内抽取{settings}组设定，每组在所有结构上以相同种子运行（每次{residents}名居民、{days}天、{replicates}次重复；结论按其中文件取值下的结果陈述）。一项结论只有在差值超过该结果声明的“有意义的最小差值”时才算成立；“取决于”列出PRIM情景发现找到的、结论在其中不成立的假设区域。",
        "The contested assumptions (experiments/contested.toml) were drawn {settings} times within their ranges and every structure was run at each on the same seeds ({residents} residents, {days} days, {replicates} replicates; the conclusions as those runs draw them with the files' values). A conclusion holds only where the difference exceeds the smallest difference its outcome declares to matter; “hinges on” names the region of the assumptions, found by PRIM scenario discovery, in which it fails.",
    ),
    "claim": ("结论", "conclusion"),
    "holds_share": ("成立比例", "holds in"),
    "hinges_on": ("取决于", "hinges on"),
    "chart_title": (
        "各结论在争议设定中成立的比例（差值须超过有意义的最小差值）",
        "Share of contested settings in which each conclusion holds (the difference must exceed the smallest that matters)",
    ),
    "chart_axis": ("成立的设定比例（%）", "settings in which it holds (%)"),
}

# what the command line prints about a batch it plans (``govsim batch`` / ``compare``
# ``--dry-run``)
COMMAND_TEXT: dict[str, tuple[str, str]] = {
    "plan": (
        "{file}：共{runs}次运行（{keys}个运行组 × {replicates}次重复，{seeds}），"
        "每次{residents:,}名居民、{days}天{into}；未运行，未写入（--dry-run）",
        "{file}: {runs} runs ({keys} run keys × {replicates} {replicate_word} on {seeds}), "
        "{residents:,} residents, {days} days each{into}; nothing run or written (--dry-run)",
    ),
    "one_seed": ("种子{seed}", "seed {seed}"),
    "seed_range": ("种子{first}–{last}", "seeds {first}–{last}"),
    "replicate_one": ("次重复", "replicate"),
    "replicate_many": ("次重复", "replicates"),
    "into": ("，写入{out}", ", into {out}"),
    "a_reference": ("参照", "a reference"),
    "compared_with": ("与{ref}比较", "compared with {ref}"),
    # after a batch
    "done": (
        "共{planned}次运行：此前已完成{skipped}次，本次运行{ran}次，失败{failed}次",
        "{planned} runs: {skipped} already finished, {ran} run now, {failed} failed",
    ),
    "wrote_batch": (
        "已写入{out}中的summary.csv、paired.csv、runs.csv、columns.csv、manifest.json和runs/",
        "wrote {out}/summary.csv, paired.csv, runs.csv, columns.csv, manifest.json and runs/",
    ),
    # govsim design
    "design_plan": (
        "{generations}代 × 每代{candidates}个设计 × {replicates}次配对重复{settings}，"
        "每次{residents:,}名居民、{days}天",
        "{generations} generations × {candidates} designs × {replicates} paired replicates"
        "{settings}, each {residents:,} residents over {days} days",
    ),
    "design_settings": ("× {n}种争议假设", " × {n} contested settings"),
    "design_met": (
        "满足全部目标的最优设计：{n}个",
        "designs on the front that meet the goals: {n}",
    ),
    "design_none_met": (
        "没有设计满足全部目标；最接近的：",
        "no design met every goal; the closest:",
    ),
    "design_behind": (
        "现有治理结构{n}个，其中{behind}个在前沿上或其后（未达目标，或不优于某个设计）",
        "built-in structures: {n}, of which {behind} lie on or behind the front (missing a "
        "goal, or no better than a design on it)",
    ),
    "design_meeting": (
        "达到全部目标的现有治理结构：{names}",
        "built-in structures that meet every goal: {names}",
    ),
    "design_wrote": (
        "已写入{out}：front.csv、evaluations.csv、structures.csv、convergence.csv、designs/、"
        "front_zh.png、front_en.png",
        "wrote {out}: front.csv, evaluations.csv, structures.csv, convergence.csv, designs/, "
        "front_zh.png, front_en.png",
    ),
    "design_failed": (
        "{n}次运行失败（错误记录见{out}/generations/*/failures/）；这些设计按未达目标计",
        "{n} runs failed (their tracebacks under {out}/generations/*/failures/); those "
        "designs count as missing the goals",
    ),
}
