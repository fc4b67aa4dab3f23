"""The question row the 问答 and 对比 tabs share: a one-line question box, its button, example questions."""

from __future__ import annotations

from collections.abc import Sequence

import gradio as gr


def question_row(
    placeholder: str, button: str, ids: tuple[str, str], examples: Sequence[str], autofocus: bool = False
) -> tuple[gr.Textbox, gr.Button, list[gr.Button]]:
    """Lay out the row (call inside a tab): ``(question box, button, example buttons)``.

    ``ids`` are the element ids of the box and of the button (the page's CSS and browser tests use them).
    """
    elem_id, button_id = ids
    with gr.Row(equal_height=True, elem_classes="gq-askrow"):
        question = gr.Textbox(
            label="问题",
            show_label=False,
            lines=1,
            max_lines=1,
            scale=6,
            placeholder=placeholder,
            elem_id=elem_id,
            autofocus=autofocus,
        )
        go = gr.Button(button, variant="primary", scale=1, min_width=72, elem_id=button_id)
    with gr.Row(elem_classes="gq-examples"):
        buttons = [
            gr.Button(q, size="sm", variant="secondary", min_width=0, elem_classes="gq-example") for q in examples
        ]
    return question, go, buttons
