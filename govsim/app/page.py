"""The page of the live model: a Mesa ``SolaraViz`` with its step / play / reset controls,
a panel of choices and levers (a change restarts both runs at day 0), and the views.
``govsim app`` serves it (``solara run govsim.app.page:Page``); in a notebook ``page()``
shows it."""

from __future__ import annotations

import solara
from mesa.visualization import SolaraViz
from mesa.visualization.utils import update_counter

from govsim.app.live import DEFAULT_RESIDENTS, LiveModel, Settings
from govsim.app.views import network_figure, png, readout, series_figure
from govsim.config.reading import list_populations, population_name
from govsim.config.scenario import builtin_order
from govsim.core.load import load_scenario
from govsim.experiments.levers import LEVERS, levers_of
from govsim.presentation.plot import org_chart, t
from govsim.presentation.text import TEXT, bilingual, pick
from govsim.results.reading import short

LANG = solara.reactive("zh")


def structure_name(key: str, lang: str) -> str:
    sc = load_scenario(key).scenario
    return short(pick(sc.name_zh, sc.name_en, lang))


@solara.component
def Choices(model: solara.Reactive[LiveModel], holder: Settings):
    """The language, the structure, the population, residents, seed and the levers the
    structure has.  Any change rebuilds both runs at day 0."""
    lang = LANG.value
    live = model.value
    s = live.settings

    def rebuild(**kw):
        new = s.copy(**kw)
        holder.__dict__.update(new.copy().__dict__)  # what SolaraViz's Reset rebuilds
        model.value = LiveModel(new)

    def set_lever(key, value):
        levers = {**s.levers, key: value}
        if key == "grid_workers":  # the switch brings its own visits
            levers.pop("visits", None)
        rebuild(levers=levers)

    langs = {"中文": "zh", "English": "en"}
    solara.ToggleButtonsSingle(
        value=next(k for k, v in langs.items() if v == lang),
        values=list(langs),
        on_value=lambda v: LANG.set(langs[v]),
    )
    names = {structure_name(k, lang): k for k in builtin_order()}
    solara.Select(
        t("structure", lang),
        value=structure_name(live.structure, lang),
        values=list(names),
        on_value=lambda v: rebuild(structure=names[v], population="", levers={}),
    )
    pops = {population_name(p, lang): p for p in list_populations()}
    solara.Select(
        t("population_profile", lang),
        value=next(k for k, p in pops.items() if p == live.population),
        values=list(pops),
        on_value=lambda v: rebuild(population=pops[v]),
    )
    solara.SliderInt(
        f"{t('residents', lang)}: {s.residents:,}",
        value=s.residents,
        min=1000,
        max=20000,
        step=1000,
        on_value=lambda v: rebuild(residents=v),
    )
    solara.SliderInt(
        f"{t('seed', lang)}: {s.seed}",
        value=s.seed,
        min=0,
        max=20,
        on_value=lambda v: rebuild(seed=v),
    )
    solara.Text(t("levers", lang), style={"font-weight": "bold", "margin-top": "8px"})
    targets = levers_of(live.base)
    spec = live.run.spec
    for lv in LEVERS:
        if lv.key not in targets:
            continue
        text = lv.name(lang)
        if lv.kind == "switch":
            solara.Switch(
                label=text,
                value=bool(s.levers.get(lv.key, lv.current(live.base, targets[lv.key]))),
                on_value=lambda v, k=lv.key: set_lever(k, v),
            )
            continue
        slider = solara.SliderFloat if lv.kind == "float" else solara.SliderInt
        value = lv.current(spec, targets[lv.key])
        slider(
            f"{text}: {value:g}",
            value=value,
            min=lv.lo,
            max=lv.hi,
            step=lv.step,
            on_value=lambda v, k=lv.key: set_lever(k, v),
        )
    lacking = [lv.name(lang) for lv in LEVERS if lv.key not in targets]
    if lacking:
        solara.Text(t("not_here", lang) + "、".join(lacking) if lang == "zh" else
                    t("not_here", lang) + "; ".join(lacking),
                    style={"font-size": "0.8em", "color": "#666"})  # fmt: skip


@solara.component
def Views(live: LiveModel):
    """The network view, the charts and the organisation chart, redrawn after each step."""
    update_counter.get()
    lang = LANG.value
    key = [id(live), live.run.day_count, lang]
    net = solara.use_memo(lambda: png(network_figure(live, lang)), key)
    ser = solara.use_memo(lambda: png(series_figure(live, lang)), key)
    org = solara.use_memo(lambda: png(org_chart(live.run.spec, lang)), [id(live), lang])
    card = {"flex": "1 1 380px", "min-width": "360px", "margin": "0"}
    with solara.Column(style={"padding": "8px"}):
        with solara.Row(style={"flex-wrap": "wrap", "align-items": "stretch"}):
            with solara.Card(style=card):
                solara.Image(net, width="100%", classes=["govsim-network"])
                solara.Text(t("network_caption", lang), style={"font-size": "0.8em"})
            with solara.Card(style=card):
                solara.Image(ser, width="100%", classes=["govsim-series"])
                solara.Text(readout(live, lang), classes=["govsim-readout"])
        with solara.Card(t("org_title", lang)):
            solara.Image(org, width="100%", classes=["govsim-org"])


@solara.component
def ChoicesPanel(model: solara.Reactive[LiveModel], holder: Settings):
    """``Choices`` in the sidebar, below SolaraViz's controls: a sidebar's cards are ordered
    by how deep in the page they are declared, so this one is declared a level deeper."""
    return _InSidebar(model, holder)


@solara.component
def _InSidebar(model: solara.Reactive[LiveModel], holder: Settings):
    with solara.Sidebar():
        with solara.Card(t("choices", LANG.value)):
            solara.Text(t("restart_note", LANG.value), style={"font-size": "0.85em"})
            Choices(model, holder)


@solara.component
def Page(settings: Settings | None = None):
    """The live model: ``solara run govsim.app.page:Page`` serves it; in a notebook,
    ``page()`` shows it."""
    holder = solara.use_memo(lambda: (settings or Settings()).copy(), [])
    model = solara.use_reactive(solara.use_memo(lambda: LiveModel(holder), []))
    SolaraViz(
        model,
        components=[],
        model_params={"settings": holder},
        name=bilingual(TEXT, "app_title"),  # the app bar keeps its first title
        play_interval=50,
        use_threads=True,  # steps go on while the page draws the last one
    )
    ChoicesPanel(model, holder)
    Views(model.value)


def page(
    structure: str = "",
    residents: int = DEFAULT_RESIDENTS,
    seed: int = 0,
    population: str = "",
    levers: dict | None = None,
    lang: str = "zh",
):
    """The live model as a notebook output (the same page ``govsim app`` serves)."""
    LANG.set(lang)
    return Page(Settings(structure, population, residents, seed, dict(levers or {})))
