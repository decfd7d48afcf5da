"""Quiz files shared by the quiz tests: one question of every type, and a small bank."""

LOCALES = ["zh-CN", "en"]

EVERY_TYPE = """\
title: {zh-CN: 模块一测验, en: Module 1 quiz}
pass_mark: 0.6
attempts: 2
cooldown_minutes: 10
time_limit_minutes: 15
shuffle_options: true
review: {answers: after_pass}
questions:
  - id: q-single
    type: single
    tags: [m1]
    text: {zh-CN: 谁负责接待？, en: "Who greets the visitor?"}
    feedback: {zh-CN: 接待岗负责。, en: The reception post does.}
    options:
      - {id: a, text: {zh-CN: 接待岗, en: Reception}, correct: true, feedback: Right}
      - {id: b, text: {zh-CN: 后台, en: Back office}, feedback: "No"}
      - {id: c, text: {zh-CN: 主任, en: Director}, credit: 0.5}
  - id: q-multiple
    type: multiple
    text: Pick the communication habits.
    options:
      - {id: a, text: Regular meetings, correct: true}
      - {id: b, text: Two-way feedback, correct: true}
      - {id: c, text: Working alone}
      - {id: d, text: Silence}
  - id: q-tf
    type: true_false
    text: Clear roles avoid overlap.
    answer: true
    feedback_true: Yes.
    feedback_false: Clear roles do avoid overlap.
  - id: q-short
    type: short
    text: Name the practice.
    accept: [团队协作, teamwork, {answer: team, credit: 0.5, feedback: Almost}]
  - id: q-match
    type: matching
    text: Match the tool to its use.
    pairs:
      - {left: Trello, right: Tracking tasks}
      - {left: WeChat, right: Instant messages}
    distractors: [Printing forms]
  - id: q-order
    type: ordering
    text: Put the steps in order.
    items:
      - {id: greet, text: Greet}
      - {id: listen, text: Listen}
      - {id: act, text: Act}
  - id: q-numeric
    type: numeric
    text: "By what percentage did complaints fall?"
    answer: 30
    tolerance: 1
    unit: "%"
  - id: q-essay
    type: essay
    points: 4
    text: Describe a hand-over at your counter.
    rubric:
      - {id: insight, label: Insight, points: 2}
      - {id: action, label: Action, points: 2}
"""

BANK = """\
questions:
""" + "".join(
    f"""\
  - id: b-{module}-{n}
    type: true_false
    tags: [{module}]
    text: Statement {module} {n}.
    answer: {str(n % 2 == 0).lower()}
"""
    for module in ("m1", "m2")
    for n in range(1, 6)
)

EXAM = """\
title: Final exam
shuffle_questions: true
draw:
  bank: bank
  rules:
    - {tags: [m1], count: 3}
    - {tags: [m2], count: 2}
"""
