"""One module per outside format; each yields domain records and reports problems by place."""
