"""Qt-free core: the draft model, the NemoVideo client, identity, routing. Never imports Qt."""
