"""Reports kept beside the data: the validation verdict as JSON, Markdown and HTML, with plots."""
