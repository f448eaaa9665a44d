"""Content: articles and other authored texts, their workflow, topics, tags, media,
collections and the glossary."""
