"""Raw records as received, zstd-compressed with a dictionary per source (DESIGN §6, issue 12).

A mixin of `store.Database`.
"""

from __future__ import annotations

import zstandard


class RawRecords:
    """Pack, unpack and train the per-source dictionaries of raw records."""

    def _raw_blob(self, uid: str, below: int = 1 << 62) -> tuple | None:
        """(compressed raw record, dictionary id) of a notice's latest version below `below` that has one."""
        return self._execute("SELECT r.raw, r.dictionary FROM notice_versions v JOIN raw_records r ON r.id = v.id"
                             " WHERE v.uid = ? AND v.version < ? ORDER BY v.version DESC LIMIT 1",
                             (uid, below)).fetchone()

    # Raw records are zstd-compressed with a dictionary per source, trained on its first
    # DICTIONARY_SAMPLES records: a source's records repeat the same keys and boilerplate, which a
    # 4 KB record alone cannot exploit (README Performance has the sizes).

    def _pack(self, source: str, raw: str) -> tuple[bytes, int | None]:
        dictionary = self._dictionary_of(source)
        if dictionary is None:
            self._untrained[source] = self._untrained.get(source, 0) + 1
        return self._codec(dictionary)[0].compress(raw.encode("utf-8")), dictionary

    def _unpack(self, blob: bytes, dictionary: int | None) -> str:
        return self._codec(dictionary)[1].decompress(blob).decode("utf-8")

    def _dictionary_of(self, source: str) -> int | None:
        if source not in self._dictionaries:
            found = self.db.execute("SELECT max(id) FROM raw_dictionaries WHERE source = ?", (source,)).fetchone()
            self._dictionaries[source] = found[0]
        return self._dictionaries[source]

    def _codec(self, dictionary: int | None) -> tuple:
        """(compressor, decompressor) for a dictionary id (None: no dictionary), made once per connection."""
        if dictionary not in self._codecs:
            data = None
            if dictionary is not None:
                found = self.db.execute("SELECT dictionary FROM raw_dictionaries WHERE id = ?", (dictionary,)).fetchone()
                data = zstandard.ZstdCompressionDict(found[0])
                data.precompute_compress(level=RAW_LEVEL)  # not loaded again for every record
            self._codecs[dictionary] = (zstandard.ZstdCompressor(level=RAW_LEVEL, dict_data=data),
                                        zstandard.ZstdDecompressor(dict_data=data))
        return self._codecs[dictionary]

    def _train(self, now: str) -> None:
        """Train a dictionary for each source that stored raw records without one, once it has
        DICTIONARY_SAMPLES of them (inside the page's transaction; once per source). The count is
        checked again only after as many more records as were missing (not on every page)."""
        for source in sorted(self._untrained):
            self._until_training[source] = self._until_training.get(source, 0) - self._untrained[source]
            if self._until_training[source] > 0 or self._dictionary_of(source) is not None:
                continue
            rows = self.db.execute(
                "SELECT r.raw, r.dictionary FROM raw_records r WHERE r.id IN (SELECT v.id FROM notice_versions v"
                " WHERE v.uid >= ? AND v.uid < ? AND v.id IS NOT NULL LIMIT ?)", (source + ":", source + ";", DICTIONARY_SAMPLES)).fetchall()
            self._until_training[source] = DICTIONARY_SAMPLES - len(rows)
            if self._until_training[source] > 0:
                continue
            samples = self._samples(rows)
            try:
                trained = zstandard.train_dictionary(DICTIONARY_BYTES, samples, level=RAW_LEVEL, **FAST_COVER)
            except zstandard.ZstdError:
                self._until_training[source] = DICTIONARY_SAMPLES  # too uniform or small: try again later
                continue
            self._dictionaries[source] = self.db.execute(
                "INSERT INTO raw_dictionaries (source, dictionary, created_at) VALUES (?, ?, ?)",
                (source, trained.as_bytes(), now)).lastrowid
        self._untrained.clear()

    def _samples(self, rows: list[tuple]) -> list[bytes]:
        """The records a dictionary is trained on: in order, up to SAMPLE_BYTES (zstd's guidance is
        about 100× the dictionary's size; 2,000 FPDS entries are 36 MB and took 4× as long to train
        on for sizes within 1%)."""
        samples, total = [], 0
        for raw, dictionary in rows:
            samples.append(self._unpack(raw, dictionary).encode("utf-8"))
            total += len(samples[-1])
            if total >= SAMPLE_BYTES:
                break
        return samples


def pack(raw: str | None) -> bytes | None:
    """A raw record compressed without a dictionary (the migration's; `RawRecords._pack` uses one)."""
    return zstandard.ZstdCompressor(level=RAW_LEVEL).compress(raw.encode("utf-8")) if raw else None


RAW_LEVEL = 3  # zstd: ~25 µs per 4 KB record; zlib needs ~80 µs for the same size (README Performance)
# Trained once a source has stored 500 records: a dictionary trained on 50 of 190 real OCDS releases
# (../shared/realworld) compressed the other 95 within 1% of one trained on 95; before it, a record
# is compressed with no dictionary, 2–3× as slow and 1.4–2.5× the size (bench/ingest.py's records).
DICTIONARY_SAMPLES = 500
DICTIONARY_BYTES = 32 * 1024
SAMPLE_BYTES = 4 << 20
# fastCover's segment and d-mer sizes fixed, not searched: the search took 4.4× as long (3.5 s for the
# bench's five sources, 10% of a 20,000-notice ingest) for sizes within ±5% on the bench's records
# and 0.1–0.9% on real Contracts Finder and Sell2Wales releases (trained on half, measured on the rest).
FAST_COVER = {"k": 2000, "d": 8}
