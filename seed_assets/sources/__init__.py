"""Where specs come from: reflection of a live schema, inference of value sources from names and
types, JSON plans, and the YAML writer."""
