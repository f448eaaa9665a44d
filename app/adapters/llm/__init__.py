"""The language model behind the assistants (an OpenAI-compatible chat API).

Nothing here imports LangChain at module level: with ``LLM_PROVIDER=off`` the process
never loads it.
"""
