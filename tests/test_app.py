"""The live model (``govsim app``): levers as scenario changes, the model wrapper, and the
page driven in headless Chromium."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import numpy as np
import pytest

from govsim.app import live as app_live
from govsim.app import views
from govsim.app.live import LiveModel, Settings
from govsim.cli import parser
from govsim.config.scenario import builtin_order
from govsim.core.levers import LEVER, LEVERS, levers_of, scenario_changes
from govsim.core.load import load_scenario
from govsim.core.records import ACTIVITY, IN_SYSTEM, RESOLVED

pytestmark = pytest.mark.slow  # not in the quick tier (make check)

REFERENCE = builtin_order()[0]


def kinds_of(model) -> dict[str, str]:
    return {k.key: k.spec.actor for k in model.kinds}


# ---------------------------------------------------------------------------- levers
def test_the_page_offers_the_levers_experiments_name():
    """One declaration: the page's switches and sliders are govsim.core.levers, the
    same levers experiments/ablations.toml names, with their names in both languages."""
    from govsim.app import page

    assert page.LEVERS is LEVERS
    sc = load_scenario(REFERENCE)
    assert set(levers_of(sc)) == set(LEVER)  # the reference has every lever
    for lv in LEVERS:
        assert lv.name("zh") != lv.name("en") and lv.needs, lv.key
        assert lv.reform is None or lv.check(lv.reform.value) is None, lv.key


def test_levers_on_the_reference_change_what_the_reforms_changed():
    sc = load_scenario(REFERENCE)
    assert scenario_changes(sc, {"no_street": True}) == {
        "institutions.street": None,
        "institutions.rc.forwards_to": "dept",
    }
    assert scenario_changes(sc, {"admin_tasks": 5}) == {"institutions.rc.admin_tasks": 5}
    assert scenario_changes(sc, {"points": False}) == {}  # the reference has none to remove
    changes = scenario_changes(sc, {"grid_workers": True, "visits": 2.5})
    # switches first, sliders refine them: the switch's five visits, then the slider's
    assert changes["institutions.heads.outreach.visits_per_staff_day"] == 2.5
    assert changes["institutions.heads.actor"] == "grid_workers"


def test_every_lever_of_every_structure_loads_and_runs():
    for name in builtin_order():
        sc = load_scenario(name)
        targets = levers_of(sc)
        assert {"rc_staff", "admin_tasks", "points"} <= set(targets), name
        levers = {
            k: (not LEVER[k].current(sc, t)) if LEVER[k].kind == "switch" else LEVER[k].hi
            for k, t in targets.items()
        }
        live = LiveModel(Settings(structure=name, residents=1000, levers=levers))
        assert live.changes and live.reference is not live.run
        for _ in range(3):
            live.step()
        assert live.series["day"] == [1, 2, 3]
        for lever in set(LEVER) - set(targets):  # what a structure lacks is refused
            with pytest.raises(ValueError, match="which structure .* lacks"):
                scenario_changes(sc, {lever: True})


def test_levers_reach_the_model():
    base = dict(residents=1000, seed=3)
    ref = LiveModel(Settings(**base)).run
    assert "street_office" in kinds_of(ref).values()

    no_street = LiveModel(Settings(**base, levers={"no_street": True}))
    assert "street_office" not in kinds_of(no_street.run).values()
    assert no_street.run.spec.institutions["rc"].forwards_to == "dept"
    assert "street_office" in kinds_of(no_street.reference).values()  # the reference keeps it

    live = LiveModel(
        Settings(
            **base,
            levers={
                "rc_staff": 20.0,
                "rc_windows": 3,
                "open_9_21": True,
                "admin_tasks": 5,
                "grid_workers": True,
                "visits": 2.5,
                "points": True,
                "orgs_services": True,
            },
        )
    )
    rc = next(a for a in live.run.node_agents if a.key == "rc")
    assert (rc.staff, rc.windows) == (20.0, 3)
    assert rc.schedule.hours_per_week() == pytest.approx(7 * 12)
    spec = live.run.spec
    assert spec.institutions["rc"].admin_tasks == 5
    heads = spec.institutions["heads"]
    # the grid-workers switch sets 5 visits a day; the visits slider, set too, refines it
    assert heads.actor == "grid_workers" and heads.outreach.visits_per_staff_day == 2.5
    assert spec.incentives.points is not None
    assert spec.routing.walk_in["public_service"] == "orgs"
    assert spec.institutions["orgs"].windows == 2
    # and the mechanisms feel them: fewer pushed-down tasks, fewer admin hours
    for _ in range(10):
        live.step()
    vars_run = live.run.datacollector.model_vars
    vars_ref = live.reference.datacollector.model_vars
    assert vars_run["admin_hours"][-1] < vars_ref["admin_hours"][-1]


def test_points_switch_off_where_the_file_has_points():
    with_points = [n for n in builtin_order() if load_scenario(n).incentives.points is not None]
    assert with_points
    live = LiveModel(Settings(structure=with_points[0], residents=1000, levers={"points": False}))
    assert live.run.spec.incentives.points is None
    assert live.changes == {"incentives.points": None}


# ---------------------------------------------------------------------------- the wrapper
def test_unchanged_reference_runs_once_and_series_follow_the_model():
    live = LiveModel(Settings(residents=1000, seed=2))
    assert live.reference is live.run  # nothing to compare with: one run
    for _ in range(40):
        live.step()
    s = live.series
    assert s["day"] == list(range(1, 41))
    assert s["part"] == live.run.datacollector.model_vars["participation_rate"]
    assert s["part"] == s["part_ref"] and s["resp"] == s["resp_ref"]
    assert max(s["part"]) > 0
    assert np.nanmax(s["resp"]) > 0

    # the median is of service needs answered in the last 30 days, in days
    nd, now = live.run.needs, 24.0 * live.run.day_count
    sel = (
        (nd.col("status") == RESOLVED)
        & (nd.col("type") != ACTIVITY)
        & (nd.col("t_resolved") >= now - 24.0 * 30)
    )
    assert s["resp"][-1] == pytest.approx(
        np.median((nd.col("t_resolved") - nd.col("t_arose"))[sel]) / 24.0
    )


def test_structure_and_reference_step_together_on_the_same_people():
    other = builtin_order()[1]
    live = LiveModel(Settings(structure=other, residents=1000, seed=4, population="urban"))
    assert live.structure == other and live.reference.spec.key == REFERENCE
    r, ref = live.run.residents, live.reference.residents
    assert np.array_equal(r.age_group, ref.age_group) and np.array_equal(r.building, ref.building)
    for _ in range(5):
        live.step()
    assert live.run.day_count == live.reference.day_count == 5
    assert live.series["part_ref"] == live.reference.datacollector.model_vars["participation_rate"]


def test_resident_states_and_waiting_requests():
    live = LiveModel(Settings(residents=2000, seed=1, sample=300))
    assert len(set(live.view.who.tolist())) == 300
    assert len(live.view.nodes) == len(live.run.node_agents)
    queued = 0
    for _ in range(45):
        live.step()
        queued = max(queued, max(live.waiting))
    m, day = live.run, live.run.day_count
    nd = m.needs
    names = [app_live.STATES[i] for i in live.states]
    assert {"waiting", "taking_part", "none"} <= set(names)
    for i, state in zip(live.view.who, names, strict=True):
        mine = nd.col("resident") == i
        waiting = (mine & (nd.col("status") == IN_SYSTEM)).any()
        served = (
            mine
            & (nd.col("status") == RESOLVED)
            & (nd.col("type") != ACTIVITY)
            & (nd.col("t_resolved") >= 24.0 * (day - 30))
        ).any()
        part = any(m.residents.last_day[k][i] >= day - 30 for k in app_live.ONGOING)
        expected = (
            "waiting" if waiting else "served" if served else "taking_part" if part else "none"
        )
        assert state == expected, i
    assert live.waiting == [a.waiting() for a in m.node_agents]
    assert queued > 0  # someone queues somewhere at the end of one of the 45 days
    assert [views.short_count(n) for n in (950, 1234, 11663)] == ["950", "1.2k", "11k"]


def test_figures_and_readout_in_both_languages():
    live = LiveModel(Settings(residents=1000, levers={"admin_tasks": 5}))
    assert "Step" in views.readout(live.frame(), "en")
    assert "单步" in views.readout(live.frame(), "zh")
    for _ in range(3):
        live.step()
    assert views.readout(live.frame(), "en").startswith("day 3 ·")
    assert views.readout(live.frame(), "zh").startswith("第3天")
    mine, ref = live.names("en")
    assert mine.endswith("(levers moved)") and ref.endswith("(reference)")
    for lang in ("zh", "en"):
        for fig in (views.network_figure(live, lang), views.series_figure(live, lang)):
            assert views.png(fig).startswith(b"\x89PNG")
    assert views._zh_lines("网格/楼栋/自然村") == "网格/楼栋/\n自然村"
    assert views._zh_lines("居委会辖区/行政村") == "居委会辖区/\n行政村"
    assert views._zh_lines("社区") == "社区"


def test_a_frame_is_one_day_and_stays_that_day():
    """Every view draws from one frame: its day is the model's day and Mesa's clock, and a
    later step changes nothing in it."""
    live = LiveModel(Settings(residents=1000, seed=5, levers={"admin_tasks": 5}))
    for _ in range(35):
        live.step()
    f = live.frame()
    assert f.day == f.time == live.run.day_count == live.reference.day_count == 35
    assert f.series["day"][-1] == 35 and all(len(v) == 35 for v in f.series.values())
    kept = {k: v.copy() for k, v in f.series.items()}, f.states.copy(), f.waiting
    for _ in range(5):
        live.step()
    assert all(np.array_equal(kept[0][k], f.series[k], equal_nan=True) for k in kept[0])
    assert np.array_equal(kept[1], f.states) and kept[2] == f.waiting
    assert live.frame().day == live.frame().time == 40


def _pixels(png: bytes) -> np.ndarray:
    import io

    from PIL import Image

    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB"), dtype=int)


def test_painters_draw_the_frame_they_are_given():
    """The page's painters draw only what a day changes over a kept picture: a frame's
    picture keeps nothing of the frames drawn before it (but the size of the axes), and the
    series' axes grow when a line outgrows them."""
    live = LiveModel(Settings(residents=1000, seed=1, levers={"admin_tasks": 5}))
    frames = []
    for _ in range(70):
        live.step()
        frames.append(live.frame())
    for painter in (views.NetworkPainter(live, "zh"), views.SeriesPainter(live, "en")):
        fresh = type(painter)(live, painter.lang)
        late = _pixels(fresh.png(frames[-1]))  # a painter that drew nothing before
        for f in frames[::10]:
            painter.png(f)
        assert np.array_equal(_pixels(painter.png(frames[-1])), late)
        assert not np.array_equal(_pixels(painter.png(frames[5])), late)
    series = views.SeriesPainter(live, "zh")
    series.png(frames[10])
    assert series.limits["day"] == 60
    series.png(frames[-1])
    assert series.limits["day"] == 120  # day 70 doubled the days axis
    top = 100 * max(np.nanmax(frames[-1].series[k]) for k in ("part", "part_ref"))
    assert series.limits["part"] > top


def test_cli_app_arguments():
    args = parser().parse_args(["app", "--port", "8800", "--host", "0.0.0.0"])
    assert (args.command, args.port, args.host) == ("app", 8800, "0.0.0.0")
    with pytest.raises(SystemExit):
        parser().parse_args(["app", "--port", "70000"])


# ---------------------------------------------------------------------------- the page
def _wait(condition, what: str, timeout: float = 120.0) -> None:
    """Wait for a condition (never for a pace: the machine may be busy)."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"waited {timeout:.0f} s for {what}"
        time.sleep(0.05)


def test_page_keeps_one_day_and_pauses_at_once():
    """The page rendered without a browser: the line of numbers, Mesa's clock and both
    pictures show one day after Step, while playing and after Pause; Pause stops the
    model at the day it was pressed on or the next (a step under way ends), and a paused
    page stays on its day."""
    import ipyvuetify as v
    import solara

    from govsim.app.page import page

    box, rc = solara.render(page(residents=1000, lang="en"), handle_error=False)
    try:

        def counters() -> list[str]:
            r = rc.find(v.Html, class_="govsim-readout").widget
            days = [r.attributes["data-day"], r.attributes["data-time"]]
            days.append(re.match(r"day (\d+)", r.children[0]).group(1))
            for cls in ("govsim-network", "govsim-series"):
                img = rc.find(v.Html, class_=cls).widget
                days += [
                    img.attributes["data-day"],
                    re.match(r"day (\d+)", img.attributes["alt"])[1],
                ]
            return days

        def button(label: str):
            return rc.find(v.Btn, children=[label]).widget

        assert set(counters()) == {"0"}
        for day in (1, 2, 3):
            button("Step").click()
            assert set(counters()) == {str(day)}
        button("Play ▶").click()
        assert button("Step").disabled
        _wait(lambda: int(counters()[0]) >= 8, "eight days played")
        assert len(set(counters())) == 1  # while playing: each render one day
        button("Pause ❚❚").click()
        at_pause = int(counters()[0])
        _wait(lambda: not button("Step").disabled, "the play loop to end")
        stopped = counters()
        assert len(set(stopped)) == 1, stopped
        assert at_pause <= int(stopped[0]) <= at_pause + 1
        time.sleep(0.5)
        assert counters() == stopped
    finally:
        rc.close()


# ---------------------------------------------------------------------------- the browser
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _solara_files_missing() -> list[str]:
    sys.path.insert(0, str(Path(__file__).parents[1] / "tools"))
    try:
        import solara_assets
    finally:
        sys.path.pop(0)
    import solara.server.settings as settings

    cache = Path(settings.assets.proxy_cache_dir)
    return [p for p in solara_assets.wanted() if not (cache / p / "package.json").exists()]


def _fontconfig(tmp_path: Path) -> Path:
    """Chromium's fonts plus the CJK font matplotlib's charts use (a bare machine has no
    Chinese font, and the page's Chinese would be boxes in the screenshot)."""
    from govsim.presentation.fonts import cjk_font

    font_dir = cjk_font().path.parent
    conf = tmp_path / "fonts.conf"
    conf.write_text(
        '<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "fonts.dtd">\n<fontconfig>\n'
        '  <include ignore_missing="yes">/etc/fonts/fonts.conf</include>\n'
        f"  <dir>{font_dir}</dir>\n  <cachedir>{tmp_path / 'fontcache'}</cachedir>\n"
        "</fontconfig>\n"
    )
    return conf


@pytest.fixture
def served_app(tmp_path):
    """``govsim app`` on a free localhost port, stopped after the test."""
    port = _free_port()
    log = open(tmp_path / "server.log", "w")  # noqa: SIM115
    proc = subprocess.Popen(
        [sys.executable, "-m", "govsim.cli", "app", "--port", str(port)],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + 120  # a busy machine starts it slowly
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                if r.status == 200:
                    break
        except OSError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            log.close()
            pytest.fail(f"govsim app did not start:\n{(tmp_path / 'server.log').read_text()}")
        time.sleep(0.3)
    yield url
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    log.close()


def _day(page) -> int:
    text = page.locator(".govsim-readout").inner_text()
    got = re.match(r"(?:第|day )(\d+)", text)
    return int(got.group(1)) if got else 0


def _src(page, cls: str) -> str:
    return page.locator(f"img.{cls}").get_attribute("src")


# every day counter on the page, read at one instant: the readout's words, its day and
# Mesa's clock, and each picture's day and the day in its words for a screen reader
COUNTERS_JS = """() => {
  const num = (s) => { const m = (s || '').match(/(?:第|day )(\\d+)/); return m ? +m[1] : null; };
  const r = document.querySelector('.govsim-readout');
  const net = document.querySelector('img.govsim-network');
  const ser = document.querySelector('img.govsim-series');
  if (!r || !net || !ser) return null;
  return {
    readout: num(r.innerText), readout_day: +r.dataset.day, mesa_time: +r.dataset.time,
    network: +net.dataset.day, network_alt: num(net.alt),
    series: +ser.dataset.day, series_alt: num(ser.alt),
  };
}"""
AGREE_JS = f"() => {{ const c = ({COUNTERS_JS})(); "
AGREE_JS += "return c && new Set(Object.values(c)).size === 1 ? c : null; }"


def _counters(page) -> dict[str, int]:
    """The page's day counters once they agree (a day's pictures and words are sent
    together, but reach the page one after another); the test fails if they never do."""
    page.wait_for_function(AGREE_JS, timeout=120_000)
    return page.evaluate(COUNTERS_JS)


@pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason="Debian's chromium is not installed at /usr/bin/chromium "
    "(make test installs it with apt-get when run as root)",
)
def test_app_in_headless_chromium(served_app, tmp_path):
    """The page as a user drives it: a lever restarts the run, Step advances one day, Play
    then Pause stops at once, and every day counter on the page shows the same day.  The
    test waits for what happens, never for a pace: the suite may share the machine's cores
    with this server, so the page may play slowly, but it must still keep one day."""
    missing = _solara_files_missing()
    if missing:
        pytest.skip(
            f"solara's browser files {missing} are not in its cache; "
            "tools/solara_assets.py fetches them with npm (make test runs it)"
        )
    from playwright.sync_api import expect, sync_playwright

    env = {**os.environ, "FONTCONFIG_FILE": str(_fontconfig(tmp_path))}
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, env=env)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.set_default_timeout(120_000)
            expect.set_options(timeout=120_000)
            page.goto(served_app)
            step = page.get_by_role("button", name="单步", exact=True)
            expect(step).to_be_enabled()
            expect(page.locator("img.govsim-series")).to_be_visible()
            assert _day(page) == 0
            assert set(_counters(page).values()) == {0}
            # the controls are in the page's language (Mesa's SolaraViz has English only)
            for english in ("Step", "Reset", "Model Parameters", "Play Interval (ms)"):
                assert page.get_by_text(english, exact=True).count() == 0, english

            # a lever: remove the street level; the run restarts and the chart is redrawn
            org_before = _src(page, "govsim-org")
            page.get_by_label(re.compile("撤销街道一级")).check()
            expect(page.locator("img.govsim-org")).not_to_have_attribute("src", org_before)

            # step: the day advances, every counter with it, and both pictures change
            net_before, ser_before = _src(page, "govsim-network"), _src(page, "govsim-series")
            for day in (1, 2, 3):
                step.click()
                expect(page.locator(".govsim-readout")).to_contain_text(f"第{day}天")
                assert set(_counters(page).values()) == {day}
            assert _src(page, "govsim-network") != net_before
            assert _src(page, "govsim-series") != ser_before
            assert "参照" in page.locator(".govsim-readout").inner_text()

            # play until at least five more days are shown (however long that takes on a
            # busy machine), then pause
            page.get_by_role("button", name="运行 ▶").click()
            pause = page.get_by_role("button", name="暂停 ❚❚")
            expect(pause).to_be_visible()
            t0, start = time.monotonic(), _day(page)
            page.wait_for_function(
                "(start) => { const r = document.querySelector('.govsim-readout');"
                " return r !== null && +r.dataset.day >= start + 5; }",
                arg=start,
                timeout=300_000,
            )
            pause.click()
            # the pause is taken when the button turns back to Play; the model then stops
            # at the day shown or, if a step was under way, the next one (never later);
            # Step is enabled again once the play loop has ended
            expect(page.get_by_role("button", name="运行 ▶")).to_be_visible()
            at_pause = _day(page)
            played = time.monotonic() - t0
            print(f"browser: {at_pause - start} days shown in {played:.1f} s of play")
            expect(step).to_be_enabled()
            stopped = _counters(page)
            assert set(stopped.values()) == {stopped["readout"]}, stopped
            assert at_pause <= stopped["readout"] <= at_pause + 1, (at_pause, stopped)
            assert stopped["readout"] >= start + 5
            page.wait_for_timeout(2000)
            assert _counters(page) == stopped  # paused: nothing moves on
            page.screenshot(path=str(tmp_path / "app_zh.png"))

            # the language switch: the same day in English, the controls in English
            page.get_by_role("button", name="English").click()
            expect(page.locator(".govsim-readout")).to_contain_text(f"day {stopped['readout']} ")
            expect(page.get_by_text("Structure and levers")).to_be_visible()
            expect(page.get_by_role("button", name="Step", exact=True)).to_be_enabled()
            assert set(_counters(page).values()) == {stopped["readout"]}
            page.screenshot(path=str(tmp_path / "app_en.png"))

            # a lever moved while playing restarts the run at day 0, all counters with it
            page.get_by_role("button", name="Play ▶").click()
            page.wait_for_function(
                "(at) => { const r = document.querySelector('.govsim-readout');"
                " return r !== null && +r.dataset.day > at; }",
                arg=stopped["readout"],
                timeout=300_000,
            )
            page.get_by_label(re.compile("street level removed")).uncheck()
            expect(page.get_by_role("button", name="Play ▶")).to_be_visible()
            expect(page.get_by_role("button", name="Step", exact=True)).to_be_enabled()
            assert set(_counters(page).values()) == {0}
        finally:
            browser.close()
    log = (tmp_path / "server.log").read_text()
    assert "Traceback" not in log, log
    assert (tmp_path / "app_zh.png").stat().st_size > 10_000
