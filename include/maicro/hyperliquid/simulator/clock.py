"""Simulated time: frozen (tests move it), accelerated (demos), or real time.

sim_now = anchor_sim + (wall - anchor_wall) * speed. Speed 0 freezes the clock at anchor_sim,
1 follows the wall clock, 3600 plays an hour per second. Setting the time or the speed re-anchors,
so the clock never jumps except when told to. Every response only shows events with time <= now.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable


class SimClock:
    def __init__(self, now_ms: int, speed: float = 0.0, wall: Callable[[], float] = time.time):
        if speed < 0:
            raise ValueError("speed must be >= 0")
        self._wall = wall
        self._lock = threading.Lock()
        self._anchor_sim = int(now_ms)
        self._anchor_wall = wall()
        self._speed = float(speed)

    def now_ms(self) -> int:
        with self._lock:
            return self._now_locked()

    def _now_locked(self) -> int:
        if self._speed == 0:
            return self._anchor_sim
        return self._anchor_sim + int((self._wall() - self._anchor_wall) * 1000 * self._speed)

    def set_now(self, now_ms: int) -> None:
        with self._lock:
            self._anchor_sim = int(now_ms)
            self._anchor_wall = self._wall()

    def advance(self, delta_ms: int) -> int:
        with self._lock:
            self._anchor_sim = self._now_locked() + int(delta_ms)
            self._anchor_wall = self._wall()
            return self._anchor_sim

    def set_speed(self, speed: float) -> None:
        if speed < 0:
            raise ValueError("speed must be >= 0")
        with self._lock:
            self._anchor_sim = self._now_locked()
            self._anchor_wall = self._wall()
            self._speed = float(speed)

    @property
    def speed(self) -> float:
        return self._speed

    @property
    def mode(self) -> str:
        if self._speed == 0:
            return "frozen"
        return "realtime" if self._speed == 1 else "accelerated"
