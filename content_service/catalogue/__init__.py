"""The catalogue: what the library holds and how it is shown.

The parts, one module each: ``models`` (books, ISBNs, items, assets, the
catalogue version row), ``queries`` (loading books: ``get_book`` raises the
one "no such book" error), ``shapes`` (availability and the JSON shapes of
books, items and assets), ``versioning`` (the catalogue version every write
bumps, and the answer cache built on it)."""
