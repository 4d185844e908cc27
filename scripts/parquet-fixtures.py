# Writes tests/fixtures/data/parquet/: dataset files as Hugging Face's `datasets` writes them with
# pyarrow, types inferred from all the JSON rows (pyarrow's JSON reader for .jsonl, as `datasets`
# reads it): a struct takes the fields of every row, null where a row lacks one, and a list of tools
# or of messages becomes a list of such structs.
# Needs pyarrow (`pip install pyarrow`); the files it writes are committed, so CI never runs this.
#   python3 scripts/parquet-fixtures.py
import gzip
import json
import pathlib

import pyarrow as pa
import pyarrow.json as paj
import pyarrow.parquet as pq

root = pathlib.Path(__file__).resolve().parent.parent
out = root / 'tests/fixtures/data/parquet'
out.mkdir(parents=True, exist_ok=True)


def table(rows):
    # Types from every row (Table.from_pylist would take the columns of the first row only).
    return pa.Table.from_struct_array(pa.array(rows))


demo = paj.read_json(root / 'public/demo/demo-dataset.jsonl')
# The whole demo, as `push_to_hub` writes it: snappy, one row group.
pq.write_table(demo, out / 'demo.parquet')
# Its first 50 rows in row groups of 20 rows, zstd (polars' default codec).
pq.write_table(demo.slice(0, 50), out / 'demo-zstd-row-groups.parquet', compression='zstd', row_group_size=20)
# xLAM's columns: an int64 id and JSON text in strings; gzip.
xlam = json.loads((root / 'tests/fixtures/data/xlam.json').read_text())
pq.write_table(table(xlam), out / 'xlam-gzip.parquet', compression='gzip')
# ShareGPT conversations: a list of {from, value}; brotli.
sharegpt = json.loads((root / 'tests/fixtures/data/sharegpt.json').read_text())
pq.write_table(table(sharegpt), out / 'sharegpt-brotli.parquet', compression='brotli')
# The demo's first 50 lines gzipped, as a .jsonl.gz.
first = ''.join(line + '\n' for line in (root / 'public/demo/demo-dataset.jsonl').read_text().splitlines()[:50])
(out / 'demo-50.jsonl.gz').write_bytes(gzip.compress(first.encode(), mtime=0))

# Rows the importer must refuse one by one, the others imported: a duplicate id and a row over the
# 256 KiB record limit. And int64 ids, one past 2^53 (kept whole, as text).
weather = {'type': 'function', 'function': {'name': 'get_weather', 'description': 'Current weather for a city.', 'parameters': {'type': 'object', 'properties': {'city': {'type': 'string'}}, 'required': ['city']}}}


def row(id, question, city):
    call = {'type': 'function', 'function': {'name': 'get_weather', 'arguments': json.dumps({'city': city})}}
    return {'id': id, 'tools': [weather], 'messages': [{'role': 'user', 'content': question}, {'role': 'assistant', 'content': '', 'tool_calls': [call]}]}


edge = [row('w-1', 'Weather in Oslo?', 'Oslo'), row('w-1', 'Weather in Rome?', 'Rome'), row('w-3', 'Weather in Lima? ' + 'please ' * 40000, 'Lima'), row('w-4', 'Weather in Kyiv?', 'Kyiv')]
pq.write_table(table(edge), out / 'edge-rows.parquet')
pq.write_table(table([edge[0], edge[3]]).set_column(0, 'id', pa.array([7, 2**60 + 1], pa.int64())), out / 'int64-ids.parquet')
# An image column beside the conversation (bytes that are not text), and text stored as plain bytes.
binary = table(edge[:1]).append_column('image', pa.array([b'\x89PNG\r\n\x1a\n\x00\xff'], pa.binary()))
pq.write_table(binary.append_column('note', pa.array(['café'.encode()], pa.binary())), out / 'binary-column.parquet')
print(pa.__version__, sorted(p.name for p in out.iterdir()))
