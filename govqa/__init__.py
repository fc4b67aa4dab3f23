"""govqa: search and answers over Chinese government reports."""
