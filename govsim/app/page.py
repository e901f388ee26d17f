"""The page of the live model, a Solara page around the Mesa model (``LiveModel``): step /
play / pause / reset controls and a panel of choices and levers (a change restarts both runs
at day 0) in the sidebar, and the views.  Everything is in the page's language, Chinese or
English (Mesa's own ``SolaraViz`` controls are English only, and its play loop lets the
model run ahead of the pictures).  ``govsim app`` serves it (``solara run
govsim.app.page:Page``); in a notebook ``page()`` shows it."""

from __future__ import annotations

import base64
import threading
import time

import solara
import solara.server.settings

from govsim.app.live import DEFAULT_RESIDENTS, Frame, LiveModel, Settings
from govsim.app.views import NetworkPainter, SeriesPainter, png, readout
from govsim.config.reading import list_populations, population_name
from govsim.config.scenario import builtin_order
from govsim.core.levers import LEVERS, levers_of, thin_windows
from govsim.core.load import load_scenario
from govsim.presentation.plot import org_chart, t
from govsim.presentation.text import pick
from govsim.results.reading import short

LANG = solara.reactive("zh")
DESIGN_ENV = "GOVSIM_APP_DESIGN"  # govsim app --design: a design file or a search's directory


def designs() -> list[tuple[str, str, dict]]:
    """The designs ``govsim app --design`` offers: (name, structure, levers) of a design
    file, or of each design on a search's front, in order."""
    import os
    from pathlib import Path

    from govsim.design.outputs import design_levers, front_designs

    where = os.environ.get(DESIGN_ENV, "")
    if not where:
        return []
    files = front_designs(where) if Path(where).is_dir() else [Path(where)]
    return [(f.stem, *design_levers(f)) for f in files]


# no "runs on Solara" badge: fixed at the bottom right, it covers the charts on a phone
solara.server.settings.theme.show_banner = False


def structure_name(key: str, lang: str) -> str:
    sc = load_scenario(key).scenario
    return short(pick(sc.name_zh, sc.name_en, lang))


@solara.component
def Choices(live: LiveModel, restart):
    """The language, the structure, the population, residents, seed and the levers the
    structure has.  Any change rebuilds both runs at day 0 (``restart``)."""
    lang = LANG.value
    s = live.settings

    def rebuild(**kw):
        restart(s.copy(**kw))

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
    offered = designs()
    if offered:  # govsim app --design: a design sets its structure and levers at once
        named = {t("design_option", lang, n=n.rsplit("_", 1)[-1]): (k, lv) for n, k, lv in offered}
        current = next(
            (name for name, (k, lv) in named.items() if k == s.structure and lv == s.levers), None
        )
        solara.Select(
            t("design_load", lang),
            value=current,
            values=list(named),
            on_value=lambda v: rebuild(
                structure=named[v][0], population="", levers=dict(named[v][1])
            ),
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
    sep = "：" if lang == "zh" else ": "  # full-width in Chinese
    solara.SliderInt(
        f"{t('residents', lang)}{sep}{s.residents:,}",
        value=s.residents,
        min=1000,
        max=20000,
        step=1000,
        on_value=lambda v: rebuild(residents=v),
    )
    solara.SliderInt(
        f"{t('seed', lang)}{sep}{s.seed}",
        value=s.seed,
        min=0,
        max=20,
        on_value=lambda v: rebuild(seed=v),
    )
    solara.Text(t("levers", lang), style={"font-weight": "bold", "margin-top": "8px"})
    thin = thin_windows(live.as_run)
    if thin:  # levers moved apart: more windows open than the staff can hold (a design
        # search refuses such a structure; here it runs, and says so)
        bodies = [
            t(
                "understaffed_body",
                lang,
                name=pick(
                    *(getattr(live.as_run.institutions[k], f"name_{x}") for x in ("zh", "en")), lang
                ),
                windows=w,
                week=f"{week:g}",
                need=f"{need:.1f}",
                staff=f"{staff:g}",
            )
            for k, w, week, need, staff in thin
        ]
        solara.Warning(
            t("understaffed", lang) + ("；" if lang == "zh" else "; ").join(bodies), dense=True
        )
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
        unit = lv.unit(lang) if lang == "zh" else f" {lv.unit(lang)}"
        slider(
            f"{text}{sep}{value:g}{unit}",
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


def _img(data: bytes, cls: str, alt: str, day: int | None = None):
    """A picture as one <img>: its source, its words for a screen reader, and the day it
    shows (``data-day``), set together."""
    attributes = {"src": "data:image/png;base64," + base64.b64encode(data).decode(), "alt": alt}
    if day is not None:
        attributes["data-day"] = str(day)
    return solara.v.Html(
        tag="img", attributes=attributes, class_=cls, style_="width: 100%; display: block"
    )


class Shown:
    """The frame the page has last shown: the play loop waits for its day to be shown
    before the next step, so the pictures never fall behind the model, and the page is not
    changed again while it is still drawing (which a render that never ends would be)."""

    def __init__(self):
        self.frame: Frame | None = None
        self.changed = threading.Condition()

    def show(self, frame: Frame) -> None:
        with self.changed:
            self.frame = frame
            self.changed.notify_all()

    def wait(self, frame: Frame, stop) -> None:
        """Until ``frame`` has been shown or ``stop()`` is true."""
        with self.changed:
            while self.frame is not frame and not stop():
                self.changed.wait(0.1)


@solara.component
def Views(live: LiveModel, current: solara.Reactive[Frame], shown: Shown):
    """The network view, the charts and the line of numbers, all drawn from one ``Frame``
    (one day).  Only this and the controls are redrawn each day (the page around them reads
    no frame)."""
    lang = LANG.value
    frame = current.value
    solara.use_effect(lambda: shown.show(frame), [frame])  # once the page has it
    # one painter per view and language, kept while the model is the same
    net_p = solara.use_memo(lambda: NetworkPainter(live, lang), [live, lang])
    ser_p = solara.use_memo(lambda: SeriesPainter(live, lang), [live, lang])
    net = solara.use_memo(lambda: net_p.png(frame), [net_p, frame])
    ser = solara.use_memo(lambda: ser_p.png(frame), [ser_p, frame])
    day = t("day_n", lang, day=frame.day)
    with solara.Column(gap="8px"):
        # the line of numbers first: on a phone it is the first thing under the controls
        # the day and Mesa's own clock (``Model.time``) with the words, for the browser test
        solara.v.Html(
            tag="div",
            children=[readout(frame, lang)],
            class_="govsim-readout",
            attributes={"data-day": str(frame.day), "data-time": f"{frame.time:g}"},
        )
        with solara.Row(style={"flex-wrap": "wrap", "align-items": "stretch", "gap": "8px"}):
            with solara.Card(style=CARD):
                _img(net, "govsim-network", t("network_alt", lang, day=day), frame.day)
                solara.Text(t("network_caption", lang), style={"font-size": "0.8em"})
            with solara.Card(style=CARD):
                _img(ser, "govsim-series", t("series_alt", lang, day=day), frame.day)


@solara.component
def OrgChart(live: LiveModel):
    """The organisation chart of the chosen structure (drawn once per structure)."""
    lang = LANG.value
    org = solara.use_memo(lambda: png(org_chart(live.run.spec, lang)), [live, lang])
    _img(org, "govsim-org", t("org_title", lang))


CARD = {"flex": "1 1 300px", "min-width": "0", "max-width": "560px", "margin": "0"}
PACE = 0.05  # seconds: playing shows at most 20 days a second


@solara.component
def Controls(
    live: solara.Reactive[LiveModel],
    frame: solara.Reactive[Frame],
    playing: solara.Reactive[bool],
    reset,
    lock: threading.Lock,
    shown: Shown,
):
    """Step, play / pause and reset, in the page's language.  Playing steps the model in a
    thread, one day at a time; after each step the page is redrawn from that day's frame
    and the next step waits until it has been (``Shown``), so the views never fall behind
    the model (nothing queues), and a pause stops the model at the day on the screen (or,
    mid-step, the next one)."""
    lang = LANG.value

    busy = solara.use_reactive(False)  # a play loop is running (Step waits for its end)

    def play(cancel: threading.Event):
        model = live.value
        if not playing.value:
            return
        busy.set(True)
        try:
            while playing.value and model.running and live.value is model:
                if cancel.is_set():
                    break
                start = time.monotonic()
                with lock:  # a restart waits for this day to be shown, and ends the loop
                    if live.value is not model:
                        break
                    model.step()
                    day = model.frame()
                    frame.set(day)  # the page redraws this day
                # and the next step waits for it to be on the page
                shown.wait(day, lambda: cancel.is_set() or live.value is not model)
                cancel.wait(max(0.0, PACE - (time.monotonic() - start)))
        finally:
            busy.set(False)  # after the last day's frame: the page has shown where it stopped
        if not model.running:
            playing.set(False)

    solara.use_thread(play, dependencies=[playing.value, live.value], intrusive_cancel=False)

    def step():
        with lock:
            if not playing.value and not busy.value and live.value.running:
                live.value.step()
                frame.set(live.value.frame())

    with solara.Row(style={"flex-wrap": "wrap", "gap": "6px"}):
        solara.Button(t("reset", lang), on_click=reset, color="primary", outlined=True)
        solara.Button(
            t("pause", lang) if playing.value else t("play", lang),
            on_click=lambda: playing.set(not playing.value),
            color="primary",
            disabled=not frame.value.running,
        )
        solara.Button(
            t("step", lang),
            on_click=step,
            color="primary",
            disabled=playing.value or busy.value or not frame.value.running,
        )


@solara.component
def Page(settings: Settings | None = None):
    """The live model: ``solara run govsim.app.page:Page`` serves it; in a notebook,
    ``page()`` shows it."""
    if settings is None and (offered := designs()):  # govsim app --design: the first
        settings = Settings(offered[0][1], levers=dict(offered[0][2]))
    first = solara.use_memo(lambda: LiveModel(settings), [])  # it copies the settings
    live = solara.use_reactive(first)
    frame = solara.use_reactive(solara.use_memo(first.frame, []))
    playing = solara.use_reactive(False)
    lock = solara.use_memo(threading.Lock, [])  # one change of model or day at a time
    shown = solara.use_memo(Shown, [])
    lang = LANG.value

    def restart(new: Settings) -> None:
        playing.set(False)
        model = LiveModel(new)
        with lock:
            live.set(model)
            frame.set(model.frame())

    solara.Title(t("app_title", lang))
    solara.Style(CSS)
    with solara.AppBar():
        solara.AppBarTitle(t("app_title", lang))
    # on a wide screen the controls and choices on the left, the views on the right; on a
    # phone one column: controls, numbers and charts, then choices, then the organisation
    # chart
    with solara.Div(classes=["govsim-grid"]):
        with solara.Div(classes=["govsim-left"]):
            with solara.Div(classes=["govsim-controls"]), solara.Card(t("controls", lang)):
                Controls(live, frame, playing, lambda: restart(live.value.settings), lock, shown)
            with solara.Div(classes=["govsim-choices"]), solara.Card(t("choices", lang)):
                solara.Text(t("restart_note", lang), style={"font-size": "0.85em"})
                Choices(live.value, restart)
        with solara.Div(classes=["govsim-right"]):
            with solara.Div(classes=["govsim-views"]):
                Views(live.value, frame, shown)
            with solara.Div(classes=["govsim-org"]), solara.Card(t("org_title", lang)):
                OrgChart(live.value)


CSS = """
.govsim-grid { display: flex; gap: 12px; padding: 8px; align-items: flex-start; }
.govsim-left { flex: 0 0 340px; display: flex; flex-direction: column; gap: 12px; }
.govsim-right { flex: 1 1 0; min-width: 0; display: flex; flex-direction: column; gap: 12px; }
.govsim-grid .v-card { margin: 0 !important; }
.govsim-readout { font-size: 0.95em; display: block; margin: 4px 0 8px 0; }
/* a slider's name above its track: a long name left no room for the track beside it */
.govsim-choices .v-slider.v-input--horizontal {
  grid-template-areas: "prepend" "control" "messages"; grid-template-columns: minmax(0, 1fr); }
.govsim-choices .v-slider .v-input__prepend { margin-bottom: 0; }
@media (max-width: 760px) {
  .govsim-grid { flex-direction: column; align-items: stretch; padding: 4px; }
  .govsim-left, .govsim-right { display: contents; }
  .govsim-controls { order: 1; } .govsim-views { order: 2; }
  .govsim-choices { order: 3; } .govsim-org { order: 4; }
  /* the title whole, in two lines if need be, not cut off */
  .v-toolbar-title { font-size: 1.05rem; }
  .v-toolbar-title__placeholder { white-space: normal; overflow: visible; line-height: 1.2; }
}
"""


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
