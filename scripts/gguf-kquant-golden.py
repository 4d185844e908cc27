# Writes tests/fixtures/gguf/kquant-golden.json: llama.cpp's own quantized bytes, from the ggml
# library node-llama-cpp ships (ggml_quantize_chunk without an importance matrix, the function
# llama-quantize calls), for rows of values chosen to reach every branch of the quantizers, and
# the values ggml reads those bytes back as (its type traits' to_float); and, for the types that take
# one, the bytes with an importance matrix (ggml_quantize_chunk's imatrix, as llama-quantize
# --imatrix passes it): one weight per column, some zero.
#   pip install numpy && python scripts/gguf-kquant-golden.py
# With --model IN.gguf OUT.json TYPE: llama.cpp's llama_model_quantize turns the F32 file IN into
# TYPE (q4_k_m, q5_k_m or q6_k), and OUT gets each tensor's type and the SHA-256 of its bytes
# (tests/export/gguf-kquant.test.ts compares `studio export-gguf --type TYPE` of the same model with it).
# With a fifth argument, an importance matrix file (llama-imatrix's GGUF format): quantized with it,
# as llama-quantize --imatrix passes it (each weight's sums over its count).
import base64, ctypes, glob, hashlib, json, os, sys
import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BINS = os.path.join(ROOT, 'node_modules/@node-llama-cpp/linux-x64/bins/linux-x64')
GGML_TYPE = {'Q5_0': 6, 'Q5_1': 7, 'Q8_0': 8, 'Q4_K': 12, 'Q5_K': 13, 'Q6_K': 14,
             # Only read back (the studio evaluates other llama-quantize files): their bytes and values.
             'Q4_0': 2, 'Q4_1': 3, 'Q2_K': 10, 'Q3_K': 11, 'IQ4_NL': 20, 'IQ4_XS': 23}
BLOCK = {'Q5_0': (32, 22), 'Q5_1': (32, 24), 'Q8_0': (32, 34), 'Q4_K': (256, 144), 'Q5_K': (256, 176), 'Q6_K': (256, 210),
         'Q4_0': (32, 18), 'Q4_1': (32, 20), 'Q2_K': (256, 84), 'Q3_K': (256, 110), 'IQ4_NL': (32, 18), 'IQ4_XS': (256, 136)}
# llama.h's LLAMA_FTYPE_MOSTLY_*.
FTYPE = {'q4_k_m': 15, 'q5_k_m': 17, 'q6_k': 18}


def ggml_base():
    lib = ctypes.CDLL(os.path.join(BINS, 'libggml-base.so'))
    lib.ggml_quantize_chunk.restype = ctypes.c_size_t
    lib.ggml_quantize_chunk.argtypes = [ctypes.c_int, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_int64, ctypes.c_int64, ctypes.c_int64, ctypes.c_void_p]
    return lib


class TypeTraits(ctypes.Structure):
    # ggml.h's struct ggml_type_traits.
    _fields_ = [('type_name', ctypes.c_char_p), ('blck_size', ctypes.c_int64), ('blck_size_interleave', ctypes.c_int64), ('type_size', ctypes.c_size_t),
                ('is_quantized', ctypes.c_bool), ('to_float', ctypes.c_void_p), ('from_float_ref', ctypes.c_void_p)]


def dequantize(lib, type_name, data, count):
    lib.ggml_get_type_traits.restype = ctypes.POINTER(TypeTraits)
    traits = lib.ggml_get_type_traits(GGML_TYPE[type_name]).contents
    assert traits.type_name.decode().upper() == type_name, traits.type_name
    to_float = ctypes.CFUNCTYPE(None, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_int64)(traits.to_float)
    src = np.frombuffer(data, dtype=np.uint8).copy()
    out = np.zeros(count, dtype=np.float32)
    to_float(src.ctypes.data, out.ctypes.data, count)
    return out.tobytes()


def quantize(lib, type_name, rows, importance=None):
    rows = np.ascontiguousarray(rows, dtype=np.float32)
    per, size = BLOCK[type_name]
    out = np.zeros(rows.size // per * size, dtype=np.uint8)
    qw = None if importance is None else np.ascontiguousarray(importance, dtype=np.float32)
    n = lib.ggml_quantize_chunk(GGML_TYPE[type_name], rows.ctypes.data, out.ctypes.data, 0, rows.shape[0], rows.shape[1], None if qw is None else qw.ctypes.data)
    assert n == out.size, (n, out.size)
    return out.tobytes()


def cases():
    rng = np.random.default_rng(7)
    out = []
    # Weight-like rows, and rows of one sign (Q4_K's min clamps to 0; Q6_K's scale sign).
    out.append(('normal', rng.normal(0, 0.02, (4, 512))))
    out.append(('uniform', rng.uniform(-1, 1, (2, 512))))
    out.append(('positive', rng.uniform(0.1, 2, (1, 512))))
    out.append(('negative', -rng.uniform(0.1, 2, (1, 512))))
    # Blocks of 32 that are zero, constant, one value, tiny (f16 scales underflow), outliers beside
    # small values, and integers and halves (ties of the rounding).
    special = np.zeros((1, 512))
    special[0, 32:64] = 0.75
    special[0, 64 + 5] = -3.0
    special[0, 96:128] = rng.normal(0, 1e-7, 32)
    special[0, 128:160] = rng.normal(0, 1e-3, 32)
    special[0, 150] = 40.0
    special[0, 160:192] = np.arange(32) - 15.5
    special[0, 192:224] = np.round(rng.normal(0, 4, 32)) / 2
    special[0, 256:512] = rng.standard_t(2, 256) * 0.05
    out.append(('special', special))
    # A whole super-block of tiny values, and one of zeros (Q6_K's and Q4_K's all-zero paths).
    tiny = np.zeros((1, 512))
    tiny[0, :256] = rng.normal(0, 1e-12, 256)
    out.append(('tiny', tiny))
    return out


WEIGHTED = ['Q5_0', 'Q5_1', 'Q4_K', 'Q5_K', 'Q6_K']


def importance_weights(cols):
    # Mean squared activations span orders of magnitude; a block of columns never used weighs 0.
    rng = np.random.default_rng(11)
    w = np.exp(rng.normal(0, 1.5, cols))
    w[64:96] = 0
    w[200] = 0
    return w.astype(np.float32)


def blocks_golden():
    lib = ggml_base()
    result = []
    for name, rows in cases():
        rows = rows.astype(np.float32)
        entry = {'name': name, 'rows': rows.shape[0], 'cols': rows.shape[1], 'values': base64.b64encode(rows.tobytes()).decode()}
        for t in GGML_TYPE:
            q = quantize(lib, t, rows)
            entry[t] = base64.b64encode(q).decode()
            # What llama.cpp reads those bytes back as (dequantize_row_*).
            entry[t + ' values'] = base64.b64encode(dequantize(lib, t, q, rows.size)).decode()
        importance = importance_weights(rows.shape[1])
        entry['importance'] = base64.b64encode(importance.tobytes()).decode()
        for t in WEIGHTED:
            entry[t + ' imatrix'] = base64.b64encode(quantize(lib, t, rows, importance)).decode()
        result.append(entry)
    path = os.path.join(ROOT, 'tests/fixtures/gguf/kquant-golden.json')
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, 'w') as f:
        json.dump({'source': 'ggml_quantize_chunk of node-llama-cpp ' + llama_cpp_release(), 'cases': result}, f, indent=1)
        f.write('\n')
    print('wrote', path)


def llama_cpp_release():
    with open(os.path.join(BINS, '_nlcBuildMetadata.json')) as f:
        return 'llama.cpp ' + json.load(f)['buildOptions']['llamaCpp']['release']


class QuantizeParams(ctypes.Structure):
    # llama.h's llama_model_quantize_params of the release node-llama-cpp ships.
    _fields_ = [
        ('nthread', ctypes.c_int32), ('ftype', ctypes.c_int), ('output_tensor_type', ctypes.c_int), ('token_embedding_type', ctypes.c_int),
        ('allow_requantize', ctypes.c_bool), ('quantize_output_tensor', ctypes.c_bool), ('only_copy', ctypes.c_bool), ('pure', ctypes.c_bool),
        ('keep_split', ctypes.c_bool), ('dry_run', ctypes.c_bool),
        ('imatrix', ctypes.c_void_p), ('kv_overrides', ctypes.c_void_p), ('tt_overrides', ctypes.c_void_p), ('prune_layers', ctypes.c_void_p),
        ('max_buf_size', ctypes.c_size_t),
    ]


class ImatrixData(ctypes.Structure):
    # llama.h's llama_model_imatrix_data.
    _fields_ = [('name', ctypes.c_char_p), ('data', ctypes.POINTER(ctypes.c_float)), ('size', ctypes.c_size_t)]


def imatrix_entries(path):
    # As tools/quantize/quantize.cpp's load_imatrix reads the GGUF format: sums / count, in f32.
    import gguf
    reader = gguf.GGUFReader(path)
    tensors = {t.name: np.array(t.data, dtype=np.float32).reshape(-1) for t in reader.tensors}
    out = {}
    for name, sums in tensors.items():
        if not name.endswith('.in_sum2'):
            continue
        weight = name[:-len('.in_sum2')]
        count = np.float32(round(float(tensors[weight + '.counts'][0])))
        out[weight] = (sums / count).astype(np.float32) if count > 0 else np.ones_like(sums)
    return out


def model_golden(inp, out_json, ftype, imatrix_path=None):
    import gguf
    for so in ['libggml-base.so', 'libggml.v0.4.0.so']:
        ctypes.CDLL(os.path.join(BINS, so), mode=ctypes.RTLD_GLOBAL)
    llama = ctypes.CDLL(glob.glob(os.path.join(BINS, 'libllama.v*.so'))[0])
    llama.llama_model_quantize_default_params.restype = QuantizeParams
    llama.llama_model_quantize.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.POINTER(QuantizeParams)]
    llama.llama_model_quantize.restype = ctypes.c_uint32
    llama.llama_backend_init()
    params = llama.llama_model_quantize_default_params()
    assert params.quantize_output_tensor and not params.pure and params.imatrix is None, 'llama_model_quantize_params layout differs from llama.h'
    params.ftype = FTYPE[ftype]
    params.nthread = 1
    keep = []
    if imatrix_path:
        entries = imatrix_entries(imatrix_path)
        array = (ImatrixData * (len(entries) + 1))()
        for i, (name, values) in enumerate(sorted(entries.items())):
            values = np.ascontiguousarray(values)
            keep.append((name.encode(), values))
            array[i] = ImatrixData(keep[-1][0], values.ctypes.data_as(ctypes.POINTER(ctypes.c_float)), values.size)
        array[len(entries)] = ImatrixData(None, None, 0)
        keep.append(array)
        params.imatrix = ctypes.cast(array, ctypes.c_void_p)
    tmp = out_json + '.gguf'
    rc = llama.llama_model_quantize(inp.encode(), tmp.encode(), ctypes.byref(params))
    assert rc == 0, rc
    reader = gguf.GGUFReader(tmp)
    tensors = {t.name: {'type': t.tensor_type.name, 'sha256': hashlib.sha256(t.data.tobytes()).hexdigest()} for t in reader.tensors}
    os.remove(tmp)
    with open(out_json, 'w') as f:
        with_imatrix = ' with the importance matrix ' + os.path.basename(imatrix_path) if imatrix_path else ''
        json.dump({'source': 'llama_model_quantize (' + ftype.upper() + with_imatrix + ') of node-llama-cpp ' + llama_cpp_release(), 'tensors': tensors}, f, indent=1)
        f.write('\n')
    print('wrote', out_json, len(tensors), 'tensors')


if __name__ == '__main__':
    if len(sys.argv) in (5, 6) and sys.argv[1] == '--model':
        model_golden(sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5] if len(sys.argv) == 6 else None)
    else:
        blocks_golden()
