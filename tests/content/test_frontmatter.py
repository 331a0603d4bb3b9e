"""Front matter: split from the body, YAML errors and key lines reported as file lines."""

from __future__ import annotations

from learnapp.content import frontmatter
from learnapp.content.frontmatter import Field, Reader

SCHEMA = {
    "title": Field("text", required=True),
    "pass_mark": Field("int", default=70, minimum=0, maximum=100),
    "shuffle": Field("bool", default=False),
    "authors": Field("texts", default=()),
    "reveal": Field("text", default="after_pass", choices=("after_pass", "always", "never")),
}


def _messages(problems) -> list[str]:
    return [str(problem) for problem in problems]


def test_body_line_counts_the_front_matter():
    doc, problems = frontmatter.split("---\ntitle: A\n---\nBody\n", "f.md")
    assert problems == []
    assert doc.values == {"title": "A"}
    assert doc.lines == {"title": 2}
    assert doc.body == "Body\n"
    assert doc.body_line == 4


def test_file_without_front_matter_is_all_body():
    doc, problems = frontmatter.split("# Title\n", "f.md")
    assert (doc.values, doc.body, doc.body_line, doc.has_front_matter) == (
        {},
        "# Title\n",
        1,
        False,
    )
    assert problems == []


def test_unclosed_front_matter_is_an_error_on_line_one():
    _, problems = frontmatter.split("---\ntitle: A\n", "f.md")
    assert _messages(problems) == ["f.md:1: front matter is not closed: add a line '---' after it"]


def test_yaml_error_names_its_file_line():
    _, problems = frontmatter.split("---\ntitle: A\nsummary: [unclosed\n---\n", "f.md")
    assert _messages(problems) == [
        "f.md:3: front matter is not valid YAML: expected ',' or ']', but got '<stream end>'"
    ]


def test_yaml_error_that_started_earlier_names_both_lines():
    _, problems = frontmatter.split('---\ntitle: "unclosed\nsummary: x\n---\n', "f.md")
    assert _messages(problems) == [
        "f.md:3: front matter is not valid YAML: found unexpected end of stream"
        " (while scanning a quoted scalar on line 2)"
    ]


def test_key_appearing_twice_is_an_error_at_the_second():
    _, problems = frontmatter.split("---\ntitle: A\ntitle: B\n---\n", "f.md")
    assert _messages(problems) == ['f.md:3: front-matter key "title" appears twice']


def test_front_matter_that_is_not_a_mapping_is_an_error():
    _, problems = frontmatter.split("---\n- a\n- b\n---\n", "f.md")
    assert _messages(problems) == ["f.md:2: front matter must be 'key: value' lines"]


def test_impossible_date_is_an_error_not_a_crash():
    _, problems = frontmatter.split("---\ntitle: 2014-02-30\n---\n", "f.md")
    assert problems[0].message.startswith("front matter has a bad value")


def _read(source: str) -> tuple[dict, list[str]]:
    doc, problems = frontmatter.split(source, "f.md")
    reader = Reader(doc, "f.md", SCHEMA)
    values = {key: reader.get(key) for key in SCHEMA}
    return values, _messages(problems + reader.problems)


def test_reader_applies_defaults_and_keeps_good_values():
    values, problems = _read('---\ntitle: "T"\nauthors: Ana\n---\n')
    assert problems == []
    assert values == {
        "title": "T",
        "pass_mark": 70,
        "shuffle": False,
        "authors": ("Ana",),
        "reveal": "after_pass",
    }


def test_reader_reports_each_wrong_key_at_its_line():
    _, problems = _read(
        "---\ntitle: 12\npass_mark: lots\nshuffle: maybe\nauthors: {a: 1}\nreveal: later\n"
        "titel: x\n---\n"
    )
    assert problems == [
        'f.md:7: unknown front-matter key "titel" (did you mean "title"?)',
        "f.md:2: title must be text (in quotes), not 12",
        'f.md:3: pass_mark must be a whole number, not "lots"',
        'f.md:4: shuffle must be true or false, not "maybe"',
        "f.md:5: authors must be a list of texts, like [A, B], not {'a': 1}",
        'f.md:6: unknown reveal "later" (use after_pass, always or never)',
    ]


def test_reader_checks_number_ranges_and_rejects_booleans_as_numbers():
    _, problems = _read("---\ntitle: T\npass_mark: 101\n---\n")
    assert problems == ["f.md:3: pass_mark must be between 0 and 100, not 101"]
    _, problems = _read("---\ntitle: T\npass_mark: true\n---\n")
    assert problems == ["f.md:3: pass_mark must be a whole number, not True"]


def test_missing_and_empty_required_keys_are_errors():
    assert _read("---\npass_mark: 5\n---\n")[1] == [
        'f.md:1: front-matter key "title" is missing (it is required)'
    ]
    assert _read('---\ntitle: ""\n---\n')[1] == [
        'f.md:2: front-matter key "title" is empty (it is required)'
    ]


def test_unreadable_yaml_does_not_also_report_missing_keys():
    _, problems = _read('---\ntitle: "unclosed\n---\n')
    assert len(problems) == 1
    assert "not valid YAML" in problems[0]
