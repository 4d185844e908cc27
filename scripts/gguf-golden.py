# Writes the expected bytes of tests/export/gguf-file.test.ts with llama.cpp's own Python package:
#   pip install gguf numpy && python scripts/gguf-golden.py
import numpy as np
import gguf
from gguf.quants import quantize

w = gguf.GGUFWriter('/tmp/golden.gguf', 'qwen3')
w.add_uint32('qwen3.block_count', 2)
w.add_float32('qwen3.rope.freq_base', 1000000.0)
w.add_bool('tokenizer.ggml.add_bos_token', False)
w.add_string('general.name', 'tiny ü')
w.add_array('tokenizer.ggml.tokens', ['a', 'ü', 'Ġb'])
w.add_array('tokenizer.ggml.token_type', [1, 3, 4])
w.add_int32('x.i', -5)
w.add_tensor('a.weight', np.arange(6, dtype=np.float32).reshape(2, 3))
w.add_tensor('b.weight', np.array([[0.5, -1, 2, 65504]], dtype=np.float16))
w.write_header_to_file()
w.write_kv_data_to_file()
w.write_tensors_to_file()
w.close()
print('GOLDEN_FILE', open('/tmp/golden.gguf', 'rb').read().hex())

b0 = np.array([np.sin(i * 0.7) * 3.1 - 0.4 for i in range(32)], dtype=np.float32)
b1 = np.array([127, 2.5, -2.5, 0.5, -0.5, 126.5, -126.5, 3.49999, 1e-3] + [i - 11.5 for i in range(23)], dtype=np.float32)
b2 = np.zeros(32, dtype=np.float32)
b3 = np.array([1e-6 * (i - 16) for i in range(32)], dtype=np.float32)
x = np.concatenate([b0, b1, b2, b3]).reshape(2, 64)
print('GOLDEN_Q8_0', quantize(x, gguf.GGMLQuantizationType.Q8_0).tobytes().hex())
