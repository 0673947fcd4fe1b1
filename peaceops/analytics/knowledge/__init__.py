"""The knowledge base's analytics: sentence embeddings (``embeddings``), theme tagging
(``themes``) and the fusion of rankings (``ranking``). Pure functions and estimators: no
database, no files except the model's own."""
