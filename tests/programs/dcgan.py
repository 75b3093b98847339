"""DCGAN training steps written as the official PyTorch ``examples/dcgan/main.py`` is: a generator of
ConvTranspose2d + BatchNorm2d + ReLU ending in Tanh, a discriminator of Conv2d + LeakyReLU + BatchNorm2d ending in
Sigmoid, ``weights_init`` applied with ``model.apply`` (``classname.find('Conv')``, ``nn.init.normal_`` on
``m.weight.data``), BCELoss against labels made with ``torch.full`` and ``.fill_``, the fakes ``.detach()``-ed for
the discriminator's step, two Adam optimizers with ``betas=(0.5, 0.999)``. Smaller than the example (16x16 images);
the training noise is given (the example draws it with ``torch.randn``, whose stream differs between
libraries); only the ``fixed_noise`` of the example's image snapshots is drawn.

``run(torch, steps, data, weights)`` trains ``steps`` batches and reports ``errD`` and ``errG`` of each.
"""
from __future__ import annotations

from types import ModuleType
from typing import Any

import numpy as np
from harness import Weights, load_weights

NZ = 8      # size of the latent z vector
NGF = 8
NDF = 8
NC = 3
BATCH_SIZE = 8
IMAGE = 16


def make_data(rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Real images in [-1, 1] (smooth colour gradients, as after the example's Normalize) and the generator's noise,
    one batch of each per step (up to 8 steps)."""
    steps = 8
    ramp = np.linspace(-1, 1, IMAGE)
    base = rng.uniform(0.3, 0.9, (steps, BATCH_SIZE, NC, 1, 1)) * (ramp[:, None] + ramp[None, :]) / 2
    real = np.clip(base + 0.1 * rng.standard_normal(base.shape[:3] + (IMAGE, IMAGE)), -1, 1)
    noise = rng.standard_normal((steps, BATCH_SIZE, NZ, 1, 1))
    return {"real": real.astype(np.float32), "noise": noise.astype(np.float32)}


def build(torch: ModuleType) -> dict[str, Any]:
    """The example's ``Generator`` and ``Discriminator``, each with ``weights_init`` applied."""
    nn = torch.nn
    ngpu = 0

    # custom weights initialization called on netG and netD
    def weights_init(m):
        classname = m.__class__.__name__
        if classname.find('Conv') != -1:
            torch.nn.init.normal_(m.weight.data, 0.0, 0.02)
        elif classname.find('BatchNorm') != -1:
            torch.nn.init.normal_(m.weight.data, 1.0, 0.02)
            torch.nn.init.zeros_(m.bias.data)

    class Generator(nn.Module):
        def __init__(self, ngpu):
            super().__init__()
            self.ngpu = ngpu
            self.main = nn.Sequential(
                # input is Z, going into a convolution
                nn.ConvTranspose2d(NZ, NGF * 2, 4, 1, 0, bias=False),
                nn.BatchNorm2d(NGF * 2),
                nn.ReLU(True),
                # state size. (ngf*2) x 4 x 4
                nn.ConvTranspose2d(NGF * 2, NGF, 4, 2, 1, bias=False),
                nn.BatchNorm2d(NGF),
                nn.ReLU(True),
                # state size. (ngf) x 8 x 8
                nn.ConvTranspose2d(NGF, NC, 4, 2, 1, bias=False),
                nn.Tanh()
                # state size. (nc) x 16 x 16
            )

        def forward(self, input):
            if input.is_cuda and self.ngpu > 1:
                output = nn.parallel.data_parallel(self.main, input, range(self.ngpu))
            else:
                output = self.main(input)
            return output

    class Discriminator(nn.Module):
        def __init__(self, ngpu):
            super().__init__()
            self.ngpu = ngpu
            self.main = nn.Sequential(
                # input is (nc) x 16 x 16
                nn.Conv2d(NC, NDF, 4, 2, 1, bias=False),
                nn.LeakyReLU(0.2, inplace=True),
                # state size. (ndf) x 8 x 8
                nn.Conv2d(NDF, NDF * 2, 4, 2, 1, bias=False),
                nn.BatchNorm2d(NDF * 2),
                nn.LeakyReLU(0.2, inplace=True),
                # state size. (ndf*2) x 4 x 4
                nn.Conv2d(NDF * 2, 1, 4, 1, 0, bias=False),
                nn.Sigmoid()
            )

        def forward(self, input):
            if input.is_cuda and self.ngpu > 1:
                output = nn.parallel.data_parallel(self.main, input, range(self.ngpu))
            else:
                output = self.main(input)

            return output.view(-1, 1).squeeze(1)

    netG = Generator(ngpu)
    netG.apply(weights_init)
    netD = Discriminator(ngpu)
    netD.apply(weights_init)
    return {"G": netG, "D": netD}


def run(torch: ModuleType, steps: int, data: dict[str, np.ndarray], weights: Weights | None = None) -> list[float]:
    """Train ``steps`` batches (at most 8); ``errD`` and ``errG`` of each, in order."""
    nn = torch.nn
    optim = torch.optim
    losses = []

    device = torch.device("cuda:0" if torch.cuda.is_available() else "cpu")
    models = build(torch)
    load_weights(torch, models, weights)
    netG = models["G"].to(device)
    netD = models["D"].to(device)
    criterion = nn.BCELoss()

    fixed_noise = torch.randn(BATCH_SIZE, NZ, 1, 1, device=device)

    real_label = 1
    fake_label = 0

    # setup optimizer
    optimizerD = optim.Adam(netD.parameters(), lr=0.0002, betas=(0.5, 0.999))
    optimizerG = optim.Adam(netG.parameters(), lr=0.0002, betas=(0.5, 0.999))

    dataloader = [(torch.from_numpy(images), None) for images in data["real"][:steps]]
    for i, data_i in enumerate(dataloader, 0):
        ############################
        # (1) Update D network: maximize log(D(x)) + log(1 - D(G(z)))
        ###########################
        # train with real
        netD.zero_grad()
        real_cpu = data_i[0].to(device)
        batch_size = real_cpu.size(0)
        label = torch.full((batch_size,), real_label,
                           dtype=real_cpu.dtype, device=device)

        output = netD(real_cpu)
        errD_real = criterion(output, label)
        errD_real.backward()
        D_x = output.mean().item()

        # train with fake
        noise = torch.from_numpy(data["noise"][i]).to(device)
        fake = netG(noise)
        label.fill_(fake_label)
        output = netD(fake.detach())
        errD_fake = criterion(output, label)
        errD_fake.backward()
        D_G_z1 = output.mean().item()
        errD = errD_real + errD_fake
        optimizerD.step()

        ############################
        # (2) Update G network: maximize log(D(G(z)))
        ###########################
        netG.zero_grad()
        label.fill_(real_label)  # fake labels are real for generator cost
        output = netD(fake)
        errG = criterion(output, label)
        errG.backward()
        D_G_z2 = output.mean().item()
        optimizerG.step()

        assert 0 <= D_x <= 1 and 0 <= D_G_z1 <= 1 and 0 <= D_G_z2 <= 1
        losses += [errD.item(), errG.item()]
    fake = netG(fixed_noise)
    assert tuple(fake.detach().shape) == (BATCH_SIZE, NC, IMAGE, IMAGE)
    return losses
