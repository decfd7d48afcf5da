"""Unified diffs between two versions' files."""

from course.authoring.diff import diff_files

OLD = {
    ("content", "course.yaml"): b"slug: demo\nversion: '1.0'\nhours: 2\n",
    ("content", "01-a/01-x.en.md"): b"---\ntitle: X\n---\n\nOld line\nSame\n",
    ("content", "assets/logo.png"): b"\x89PNG\x00\xff",
    ("quizzes", "gone.yaml"): b"title: gone\n",
}
NEW = {
    ("content", "course.yaml"): b"slug: demo\nversion: '1.0'\nhours: 2\n",
    ("content", "01-a/01-x.en.md"): "---\ntitle: X\n---\n\n新的一行\nSame\n".encode(),
    ("content", "assets/logo.png"): b"\x89PNG\x00\xfe",
    ("quizzes", "new.yaml"): b"title: new\nquestions: []\n",
}


def test_only_changed_files_are_listed_in_order():
    diffs = diff_files(OLD, NEW, "v1", "v2")
    assert [(d.area, d.path, d.status) for d in diffs] == [
        ("content", "01-a/01-x.en.md", "changed"),
        ("content", "assets/logo.png", "changed"),
        ("quizzes", "gone.yaml", "removed"),
        ("quizzes", "new.yaml", "added"),
    ]


def test_text_changes_are_unified_diffs():
    lesson = diff_files(OLD, NEW, "v1", "v2")[0]
    assert lesson.unified().splitlines() == [
        "--- v1/content/01-a/01-x.en.md",
        "+++ v2/content/01-a/01-x.en.md",
        "@@ -2,5 +2,5 @@",
        " title: X",
        " ---",
        " ",
        "-Old line",
        "+新的一行",
        " Same",
    ]
    assert (lesson.added, lesson.removed) == (1, 1)
    assert [line.kind for line in lesson.lines][:3] == ["header", "header", "hunk"]


def test_binary_files_are_marked_without_a_diff():
    image = diff_files(OLD, NEW)[1]
    assert image.binary and image.lines == []


def test_added_and_removed_files_diff_against_nothing():
    diffs = {d.path: d for d in diff_files(OLD, NEW)}
    assert diffs["new.yaml"].added == 2 and diffs["new.yaml"].removed == 0
    assert diffs["gone.yaml"].removed == 1
    assert diff_files(OLD, OLD) == []
