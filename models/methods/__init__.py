"""Training methods of the seed papers, one file each; `registry.get_method(name)` picks one."""
