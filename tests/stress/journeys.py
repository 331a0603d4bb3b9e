"""What the stress tests make learners do, and how they read quiz forms (like a browser)."""

from __future__ import annotations

import re
import threading
from collections.abc import Callable

from tests.stress.browser import Browser, Response

PASSWORD = "correct horse battery"


def expect(response: Response, status: int, what: str) -> Response:
    assert response.status == status, f"{what}: {response.status}, not {status}: {response.text}"
    return response


def at_once(call: Callable[[], object], times: int) -> list:
    """Run `call` in `times` threads released together (a double click, several tabs)."""
    if times == 1:
        return [call()]
    barrier = threading.Barrier(times)
    results: list = [None] * times
    errors: list[BaseException] = []

    def run(index: int) -> None:
        barrier.wait()
        try:
            results[index] = call()
        except BaseException as error:  # noqa: BLE001 - re-raised in the caller's thread
            errors.append(error)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(times)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
    return results


def register(browser: Browser, email: str, name: str) -> None:
    """Register through the form; the browser is then logged in with a fresh CSRF token."""
    browser.get("/register")
    form = {
        "name": name,
        "email": email,
        "organisation": "other",
        "organisation_other": "Stress Testing Unit",
        "password": PASSWORD,
        "confirm": PASSWORD,
        "language": "en",
    }
    registered = expect(browser.post("/register", form), 303, f"register {email}")
    browser.get(registered.location)  # the session changed at login: take its token


def quiz_form(html: str, answer: Callable[[str, list[str]], list[str]]) -> dict:
    """The quiz form filled in: `answer(field, option ids)` chooses; text fields get ''."""
    form = {"attempt_token": re.search(r'name="attempt_token" value="([^"]+)"', html).group(1)}
    for name in dict.fromkeys(re.findall(r'name="(q\w+)"', html)):
        options = re.findall(rf'name="{name}" value="(\w+)"', html)
        form[name] = answer(name, options)
    return form


def basics_answers(html: str, *, right: bool) -> dict:
    """The fixture quiz `basics/check`: Geneva (second option, no shuffle) and 171."""

    def answer(_name, options):
        if not options:
            return ["171" if right else "170"]
        return [options[1] if right else options[0]]

    return quiz_form(html, answer)


def any_answers(html: str) -> dict:
    """Some answer to every question (the first option, or a word)."""
    return quiz_form(html, lambda _name, options: options[:1] or ["word"])
