# SensorConfig validation, the canonical encoding and the fail-closed module loader.
from redline.sensor.config import SensorConfig, ConfigError, load_config, FORMAT


def _raises(fn, *a, **kw):
    try:
        fn(*a, **kw)
    except ConfigError:
        return True
    return False


def _module_dict(cfg):
    ns = {"FORMAT": FORMAT, "SHA256": cfg.sha256()}
    for name, value in cfg.fields():
        ns[name] = value
    return ns


def test_defaults_and_broadcast():
    cfg = SensorConfig(("a", "b"), scale=(10, 20), baseline=7)
    assert cfg.window == 32 and cfg.warmup == 32 and cfg.dal == 0
    assert cfg.baseline == (7, 7) and cfg.scale == (10, 20)
    assert cfg.z_halt == (1536, 1536)
    assert cfg.pair_a == () and cfg.index("b") == 1


def test_canonical_bytes_and_hash_are_fixed():
    cfg = SensorConfig(("t1",), baseline=-5, scale=3, pair_a=(), pair_b=(), pair_tol=())
    data = cfg.canonical_bytes()
    assert data.startswith(b"redline-sensor-config/4\nCHANNELS=t1\nWINDOW=32\n")
    assert b"\nBASELINE=-5\nSCALE=3\n" in data
    assert b"\nREPLAY_STORE=0\nREPLAY_STORE_STRIDE=1\nREPLAY_LEVELS=0\nFORECAST=0\nMEMORY_FILL=0\nSHIFT_SPAN=0\n" in data
    assert data.endswith(b"REPLAY_QUANT=1\nREPLAY_WINDOW=8\nSHIFT_HALT=16384\nPAIR_A=\nPAIR_B=\nPAIR_TOL=\n"
                         b"PAIR_SCALE=\nPAIR_K=\nPAIR_H=\nPAIR_OFFSET=\nPAIR_SLOW_K=\nPAIR_SLOW_H=\n")
    assert len(data) == 733
    assert cfg.sha256() == "9567e72280d07a1f76976423d4a182c26c6fc2b3e18af8cce529f615b9ae1d20"


def test_pair_cusum_fields_default_per_pair():
    cfg = SensorConfig(("a", "b"), pair_a=(0,), pair_b=(1,), pair_tol=(30,))
    assert (cfg.pair_scale, cfg.pair_k, cfg.pair_h) == ((0,), (320,), (2048,))
    assert (cfg.pair_offset, cfg.pair_slow_k, cfg.pair_slow_h) == ((0,), (0,), (2048,))
    cfg = SensorConfig(("a", "b"), pair_a=(0,), pair_b=(1,), pair_tol=(30,), pair_scale=(7,), pair_h=(900,))
    assert (cfg.pair_scale, cfg.pair_k, cfg.pair_h) == ((7,), (320,), (900,))
    assert _raises(SensorConfig, ("a", "b"), pair_a=(0,), pair_b=(1,), pair_tol=(30,), pair_scale=(1, 2))
    assert _raises(SensorConfig, ("a", "b"), pair_a=(0,), pair_b=(1,), pair_tol=(30,), pair_h=(0,))


def test_replay_window_per_channel_and_store():
    cfg = SensorConfig(("a", "b"), replay_window=(3, 9), replay_store=4096, replay_history=64)
    assert cfg.replay_window == (3, 9) and cfg.replay_store == 4096
    assert SensorConfig(("a",)).replay_window == (8,)
    assert _raises(SensorConfig, ("a",), replay_store=3000)           # not a power of two
    assert _raises(SensorConfig, ("a",), replay_store=32768)
    assert _raises(SensorConfig, ("a",), replay_store=64, replay_store_stride=0)
    assert _raises(SensorConfig, ("a",), replay_store=64, replay_store_stride=65)
    assert SensorConfig(("a",), replay_store=64, replay_store_stride=4).replay_store_stride == 4
    assert _raises(SensorConfig, ("a",), replay_window=(3, 4))        # one channel, two windows
    # the ring must outlast a window when prints move on into the store
    assert _raises(SensorConfig, ("a",), replay_store=64, replay_history=2, replay_stride=1, replay_window=4)
    assert not _raises(SensorConfig, ("a",), replay_store=64, replay_history=5, replay_stride=1, replay_window=4)


def test_validation_rejects_bad_values():
    assert _raises(SensorConfig, ())
    assert _raises(SensorConfig, ("a", "a"))
    assert _raises(SensorConfig, ("a b",))
    assert _raises(SensorConfig, ("a",), window=200)
    assert _raises(SensorConfig, ("a",), warmup=64, window=32)
    assert _raises(SensorConfig, ("a",), scale=-1)
    assert _raises(SensorConfig, ("a",), scale=(1, 2))
    assert _raises(SensorConfig, ("a",), z_warn=900, z_escalate=800)
    assert _raises(SensorConfig, ("a",), noise_q12=0)
    assert _raises(SensorConfig, ("a",), forecast=2)
    assert _raises(SensorConfig, ("a",), memory_fill=64, window=32)
    assert _raises(SensorConfig, ("a",), bogus=1)
    assert _raises(SensorConfig, ("a", "b"), pair_a=(0,), pair_b=(0,), pair_tol=(5,))
    assert _raises(SensorConfig, ("a", "b"), pair_a=(0,), pair_b=(1,), pair_tol=())
    assert _raises(SensorConfig, ("a",), baseline=2 ** 30)


def test_loader_accepts_a_good_module():
    cfg = SensorConfig(("a", "b"), baseline=(1, 2), scale=9, pair_a=(0,), pair_b=(1,), pair_tol=(30,))
    back = load_config(_module_dict(cfg))
    assert back.fields() == cfg.fields()


def test_loader_fails_closed():
    cfg = SensorConfig(("a",), scale=9)
    ns = _module_dict(cfg)
    ns["Z_HALT"] = (2000,)                     # edited by hand: hash no longer matches
    assert _raises(load_config, ns)
    ns = _module_dict(cfg)
    ns["FORMAT"] = 1                           # format 1: one REPLAY_WINDOW for all channels
    assert _raises(load_config, ns)
    ns = _module_dict(cfg)
    ns["FORMAT"] = 2                           # format 2: no PAIR_OFFSET, no slow pair CUSUM
    assert _raises(load_config, ns)
    ns = _module_dict(cfg)
    ns["FORMAT"] = 3                           # format 3: no REPLAY_STORE_STRIDE
    assert _raises(load_config, ns)
    ns = _module_dict(cfg)
    ns["FORMAT"] = 5
    assert _raises(load_config, ns)
    ns = _module_dict(cfg)
    del ns["CUSUM_H"]
    assert _raises(load_config, ns)
    ns = _module_dict(cfg)
    ns["SHA256"] = "0" * 64
    assert _raises(load_config, ns)
