"""The running service's state: settings, store, and the current Dataset, rebuilt when data changes."""

from __future__ import annotations

import datetime as dt
import logging
import os
import threading
from collections import OrderedDict

from ..errors import GeoappError
from ..i18n.translate import _, current_language
from ..network.timetable import timetable_of
from ..settings import Settings
from ..store import Store
from .dataset import Dataset, build_dataset
from .history import layers_as_of

log = logging.getLogger(__name__)


class Service:
    """Holds one Dataset at a time and swaps in a new one, whole, after every committed change.

    A watcher thread per process polls the store's data version every ``reload_check_s`` seconds
    (edits made by this process wake it at once), so every instance on a shared database rebuilds
    within seconds; it also rebuilds when the date changes, since incident risk fades by the day.
    Requests already running finish on the Dataset they started with.
    """

    def __init__(self, settings: Settings, store: Store):
        self.settings = settings
        self.store = store
        self._lock = threading.Lock()
        self._store_version = store.version()
        self.dataset: Dataset = build_dataset(store.load(), settings, figures=store.load_figures())
        self.loaded_at = dt.datetime.now(dt.UTC)
        self._pages: OrderedDict[tuple[str, str, str], str] = OrderedDict()
        self._answers: OrderedDict[tuple, object] = OrderedDict()
        self._answers_lock = threading.Lock()
        self._as_of: OrderedDict[tuple, Dataset] = OrderedDict()
        self._wake = threading.Event()
        self._stopped = threading.Event()
        self._watcher_pid: int | None = None

    # -- keeping up with the store --------------------------------------------------------------
    def ensure_watcher(self) -> None:
        """Start this process's watcher (after a fork, gunicorn workers each start their own).

        It also tightens the search bounds of the loaded data, here rather than before the fork:
        no thread runs in the process gunicorn forks from.
        """
        if self._watcher_pid == os.getpid():
            return
        with self._lock:
            if self._watcher_pid != os.getpid():
                self._watcher_pid = os.getpid()
                threading.Thread(target=self._watch, name="geoapp-watcher", daemon=True).start()
                self._tighten_later(self.dataset)

    def _tighten_later(self, data: Dataset) -> None:
        if not data.router.tight:
            threading.Thread(target=self._tighten, args=(data,), name="geoapp-bounds", daemon=True).start()

    @staticmethod
    def _tighten(data: Dataset) -> None:
        try:
            data.router.tighten()
            if data.legs is not None:
                data.legs.tighten()  # after the roads': road-only lookups come first
                timetable_of(data.legs).tighten()  # then the searches with a departure time
        except Exception:  # searches stay correct (and slower) on the length-based bounds
            log.exception("computing cost-based search bounds failed")

    def tighten_now(self) -> None:
        """Compute the loaded data's cost-based search bounds in this process, now.

        What a preloading server's master calls before forking: the workers then share one copy of
        the tables (and start with them) instead of each computing its own in the background.
        """
        self._tighten(self.dataset)

    def data_changed(self) -> None:
        """Rebuild now rather than at the next poll: this process has just committed a change."""
        self._wake.set()

    def stop(self) -> None:
        """End this process's watcher (tests; a server just exits)."""
        self._stopped.set()
        self._wake.set()

    def _watch(self) -> None:
        while not self._stopped.is_set():
            self._wake.wait(self.settings.reload_check_s)
            self._wake.clear()
            if self._stopped.is_set():
                return
            try:
                version = self.store.version()
            except GeoappError:
                continue  # store unavailable: keep serving what is loaded
            except Exception:  # the watcher must outlive any surprise; serving goes on meanwhile
                log.exception("checking the store's data version failed")
                continue
            if version != self._store_version or dt.date.today() != self.dataset.today:
                self._reload_logged()

    def reload(self) -> Dataset:
        """Rebuild layers, graph and indexes from the store, then swap them in at once."""
        with self._lock:
            version = self.store.version()
            fresh = build_dataset(self.store.load(), self.settings, previous=self.dataset,
                                  figures=self.store.load_figures())
            self.dataset = fresh
            self._store_version = version
            self.loaded_at = dt.datetime.now(dt.UTC)
            self._pages = OrderedDict()
            with self._answers_lock:
                self._answers.clear()
            if self._watcher_pid == os.getpid():  # a serving process (not one about to fork)
                self._tighten_later(fresh)
        return fresh

    def fresh_dataset(self) -> Dataset:
        """The loaded data, rebuilt first when the store holds commits it lacks (what edits are checked against)."""
        if self.store.version() != self._store_version:
            return self.reload()
        return self.dataset

    def _reload_logged(self) -> None:
        try:
            self.reload()
            log.info("data reloaded: version %s", self.dataset.version)
        except Exception:  # bad data must not take the service down: keep serving the last good data
            log.exception("reload failed; still serving data version %s", self.dataset.version)

    # -- derived views --------------------------------------------------------------------------
    def cached_page(self, name: str, build, *, keep: int = 32) -> str:
        """A page that depends only on the data version, ``name`` and the language; the last ``keep`` kept."""
        key = (self.dataset.version, name, current_language())
        page = self._pages.get(key)
        if page is None:
            page = self._pages[key] = build()
            while len(self._pages) > keep:
                self._pages.popitem(last=False)
        return page

    def cached_answer(self, key: tuple, build, *, keep: int):
        """What ``build()`` makes for ``key``, made once and kept among the ``keep`` last used (0: never kept).

        ``key`` must name everything the result depends on: the question, the data's version and day
        (an ``as_of`` answer is built on other data), the language, who may see what.  Answers are
        forgotten when the data is reloaded.  ``build`` runs outside the lock (another thread may
        build the same answer meanwhile; either copy is kept); an exception is not kept.
        """
        if keep <= 0:
            return build()
        with self._answers_lock:
            found = self._answers.get(key)
            if found is not None:
                self._answers.move_to_end(key)
                return found
        made = build()
        with self._answers_lock:
            self._answers[key] = made
            while len(self._answers) > keep:
                self._answers.popitem(last=False)
        return made

    def dataset_as_of(self, day: dt.date) -> tuple[Dataset, list[str]]:
        """The data as the store held it at the end of ``day`` (changes after it undone), and notes."""
        moment = (dt.datetime.combine(day, dt.time.max, dt.UTC)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        current = self.dataset
        key = (current.version, moment)
        notes = []
        first = self.store.first_change_at()
        if first and moment < first:
            notes.append(_("The store holds no history before %(day)s; this is the earliest data it has.",
                           day=first[:10]))
        if key not in self._as_of:
            layers = layers_as_of(current.layers, self.store.changes_after(moment))
            # Incidents are dated events: as of a day, every event known now that happened by then
            # (an export imported later still tells what happened before), and none after it.
            incidents = current.layers["incidents"]
            layers["incidents"] = incidents[incidents["event_date"] <= day.isoformat()].reset_index(drop=True)
            self._as_of[key] = build_dataset(layers, self.settings, previous=current, today=day)
            while len(self._as_of) > 4:
                self._as_of.popitem(last=False)
        return self._as_of[key], notes
