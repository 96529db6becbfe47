"""The same GPT on NumPy arrays: chapter 08, "efficiency".

The scalar package builds one graph node per number; this subpackage builds one per *array*
operation, so a whole batch of padded documents goes through the model in a few dozen
NumPy calls, with the same numbers (to rounding) as the scalar engine. Its modules mirror
the scalar ones, so "where does X live on arrays?" has the same answer as on scalars:

    scalar (microgpt.)   on arrays (microgpt.tensor.)
    engine      Value         engine      Tensor, unbroadcast
    model, nn   GPT, rmsnorm  model       TensorGPT, make_batch, rmsnorm
    optim       Adam          optim       TensorAdam   (the schedule stays optim.lr_at)
    training    train, evaluate            training    train_tensor, evaluate_tensor
    sample      generate      sample      generate_tensor
    checkpoint  JSON          checkpoint  save_npz, load_npz (float32 weights + JSON header)

NumPy is imported only by these modules: `import microgpt` never loads it. This file
imports nothing; import the modules themselves, e.g. `from microgpt.tensor.model import
TensorGPT`.

Imports: nothing of ours.
"""
