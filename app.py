"""``python app.py``: serve govqa on http://127.0.0.1:7860 (same as ``govqa serve``).

On first start with no index, one is built from ``corpus/`` with progress
shown in the console and on the page's status line.
"""

from govqa.web import serve

if __name__ == "__main__":
    serve()
