"""What a text's words say beyond itself: its language (detect) and the dates it names (dates).

The NER and name-resolution modules (ner, names, extract, entity_types, casing, gazetteer)
belong here too; they stay at indexer/ until the branch that edits them is merged."""
