"""The local engine: HTTP server speaking the NemoVideo protocol, the agent, the renderer."""
