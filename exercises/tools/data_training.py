"""data_training.py — exercise 10's data: Sequential backward and SGD steps, by PyTorch.

Contract: every case draws its inputs with golden_io.rng(seed) and lets PyTorch compute what
cnnlab must reproduce:
  - mlp_case: an MLP x[N, C, H, W] → Flatten → Linear → ReLU → ... → Linear with given weights
    (stored in cnnlab's layout W[D_in, D_out], i.e. PyTorch's weight transposed), the upstream
    gradient dout[N, D] (or, with labels, the mean softmax cross-entropy), and the parameter
    gradients from autograd;
  - sgd_case: a parameter, the gradients of `steps` steps, and the parameter after every step
    of torch.optim.SGD (momentum, weight decay, Nesterov; dampening 0).
The hidden data (exercises/hidden/data_training.py) calls the same functions with other
shapes, seeds and settings.
"""
import numpy as np
import torch

from golden_io import rng, save


def mlp_case(out, name, seed, x_shape, hidden, classes, with_labels=False):
    g = rng(seed)
    x = g.standard_normal(x_shape).astype(np.float32)
    d_in = int(np.prod(x_shape[1:]))
    sizes = [d_in] + list(hidden) + [classes]
    save(out, f"{name}_x", x)
    params = []
    for k in range(len(sizes) - 1):
        bound = 1.0 / np.sqrt(sizes[k])
        w = g.uniform(-bound, bound, (sizes[k], sizes[k + 1])).astype(np.float32)  # [D_in, D_out]
        b = g.uniform(-bound, bound, (sizes[k + 1],)).astype(np.float32)
        save(out, f"{name}_w{k + 1}", w)
        save(out, f"{name}_b{k + 1}", b)
        params.append((torch.tensor(w, requires_grad=True), torch.tensor(b, requires_grad=True)))
    h = torch.tensor(x).reshape(x_shape[0], -1)
    for k, (w, b) in enumerate(params):
        h = h @ w + b
        if k + 1 < len(params):
            h = torch.relu(h)
    save(out, f"{name}_y", h.detach().numpy())
    if with_labels:
        labels = g.integers(0, classes, (x_shape[0],))
        save(out, f"{name}_labels", labels.astype(np.float32))
        loss = torch.nn.functional.cross_entropy(h, torch.tensor(labels))
        loss.backward()
    else:
        dout = g.standard_normal((x_shape[0], classes)).astype(np.float32)
        save(out, f"{name}_dout", dout)
        (h * torch.tensor(dout)).sum().backward()
    for k, (w, b) in enumerate(params):
        save(out, f"{name}_dw{k + 1}", w.grad.numpy())
        save(out, f"{name}_db{k + 1}", b.grad.numpy())


def sgd_case(out, name, seed, shape, steps, lr, momentum, weight_decay, nesterov):
    g = rng(seed)
    p0 = g.standard_normal(shape).astype(np.float32)
    grads = g.standard_normal((steps,) + tuple(shape)).astype(np.float32)
    p = torch.tensor(p0, requires_grad=True)
    opt = torch.optim.SGD([p], lr=lr, momentum=momentum, weight_decay=weight_decay,
                          nesterov=nesterov)
    after = []
    for s in range(steps):
        p.grad = torch.tensor(grads[s])
        opt.step()
        after.append(p.detach().numpy().copy())
    save(out, f"{name}_p0", p0)
    save(out, f"{name}_grads", grads)
    save(out, f"{name}_after", np.stack(after))


def make(out):
    mlp_case(out, "ex10/mlp", 10, (4, 2, 3, 3), [8], 5)
    mlp_case(out, "ex10/mlp_ce", 11, (6, 1, 4, 4), [7], 3, with_labels=True)
    sgd_case(out, "ex10/sgd_plain", 20, (3, 4), 3, 0.1, 0.0, 0.0, False)
    sgd_case(out, "ex10/sgd_momentum", 21, (3, 4), 4, 0.1, 0.9, 0.0, False)
    sgd_case(out, "ex10/sgd_decay", 22, (5,), 4, 0.05, 0.9, 0.01, False)
    sgd_case(out, "ex10/sgd_nesterov", 23, (2, 3), 4, 0.1, 0.8, 0.001, True)
