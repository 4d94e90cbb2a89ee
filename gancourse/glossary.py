"""The course's English–中文 glossary: each term, a one-line definition, the notebook that introduces it.

``notebooks/GLOSSARY.md`` is generated from :data:`TERMS` by
``python scripts/teaching_layer.py --glossary`` and every notebook links to it;
``tests/test_glossary.py`` checks that the file is up to date and that each term's notebook
really mentions the term.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["Term", "TERMS", "NOTEBOOKS", "glossary_markdown", "mentions"]

#: Notebook stems in course order; a term names one of these as the place it is introduced.
NOTEBOOKS = ("00_welcome", "01_cross_entropy", "02_distributions", "03_gan_loop", "04_wgan", "05_denoising",
             "06_flows")


@dataclass(frozen=True)
class Term:
    """One glossary entry.

    Parameters
    ----------
    english, chinese : str
        The term in English and in Chinese (simplified).
    definition : str
        One line, in the course's own words and symbols.
    notebook : str
        Stem of the notebook that introduces it, one of :data:`NOTEBOOKS`.
    forms : tuple of str
        How that notebook writes the term (regular expressions, case-insensitive); the
        English term itself when empty.
    """

    english: str
    chinese: str
    definition: str
    notebook: str
    forms: tuple[str, ...] = ()

    def patterns(self) -> list[re.Pattern]:
        forms = self.forms or (re.escape(self.english),)
        return [re.compile(f, re.IGNORECASE) for f in forms]


def _t(english, chinese, notebook, definition, *forms):
    return Term(english, chinese, definition, notebook, tuple(forms))


TERMS: tuple[Term, ...] = (
    # 00 -- what a GAN is
    _t("generative adversarial network (GAN)", "生成对抗网络", "00_welcome",
       "Two networks trained against each other: a generator that makes samples and a discriminator that "
       "tells them from real data.", r"\bGANs?\b"),
    _t("generator", "生成器", "00_welcome",
       "The network G that maps noise z to a sample G(z); the only part used at test time.", r"\bgenerator"),
    _t("discriminator", "判别器", "00_welcome",
       "The network D that outputs the probability D(x) that its input x is real rather than generated.",
       r"\bdiscriminator"),
    _t("normalizing flow", "归一化流（标准化流）", "00_welcome",
       "An invertible network trained by exact maximum likelihood through the change-of-variables formula "
       "(Glow is one); not a GAN.", r"normali[sz]ing flow"),
    # 01 -- information theory
    _t("entropy", "熵", "01_cross_entropy",
       "H(p) = -Σ p log p, the average surprise of samples from p, in nats.", r"(?<!-)\bentropy\b"),
    _t("cross-entropy", "交叉熵", "01_cross_entropy",
       "H(p, q) = -Σ p log q = H(p) + KL(p‖q): the average surprise when data from p is coded with q.",
       r"cross-entropy"),
    _t("Kullback–Leibler divergence", "KL 散度（相对熵）", "01_cross_entropy",
       "KL(p‖q) = Σ p log(p/q) ≥ 0, zero only when q = p; not symmetric.", r"\bKL\b"),
    _t("binary cross-entropy (BCE)", "二元交叉熵", "01_cross_entropy",
       "-[y log D + (1 - y) log(1 - D)]: the discriminator's loss with label y = 1 for real, 0 for fake.",
       r"binary cross-entropy"),
    _t("logit", "对数几率（logit）", "01_cross_entropy",
       "The unbounded score s before the sigmoid, D = σ(s); losses computed from logits stay finite.",
       r"\blogits?\b"),
    _t("maximum likelihood", "最大似然", "01_cross_entropy",
       "Fitting q_θ by maximising the average log q_θ(x) of the data, the same as minimising the "
       "cross-entropy H(p_data, q_θ).", r"maximum likelihood"),
    # 02 -- distributions
    _t("data distribution", "数据分布", "02_distributions",
       "p_data, the unknown distribution the training samples come from.", r"data distribution"),
    _t("prior (latent distribution)", "先验分布（潜在分布）", "02_distributions",
       "p(z), the fixed noise distribution the generator's input is drawn from, e.g. N(0, I).", r"\bprior\b"),
    _t("latent space", "潜在空间", "02_distributions",
       "The space of the generator's inputs z; nearby points give similar samples.", r"latent"),
    _t("push-forward distribution", "前推分布", "02_distributions",
       "G_# p(z), the distribution of G(z) when z ~ p(z): the generator's distribution p_g.", r"push-forward"),
    _t("Jensen–Shannon divergence", "JS 散度", "02_distributions",
       "JS(p, q) = ½ KL(p‖m) + ½ KL(q‖m) with m = (p + q)/2; at most log 2, reached on disjoint supports.",
       r"\bJS\b|Jensen"),
    _t("Wasserstein-1 distance (earth mover's distance)", "Wasserstein-1 距离（推土机距离）", "02_distributions",
       "W_1(p, q), the least average distance mass must move to turn p into q; keeps a useful gradient on "
       "disjoint supports.", r"Wasserstein"),
    _t("support", "支撑集", "02_distributions",
       "The set where a distribution puts probability; GAN data and samples often have disjoint supports.",
       r"\bsupports?\b"),
    # 03 -- the GAN loop
    _t("minimax game", "极小极大博弈", "03_gan_loop",
       "min_G max_D V(G, D): the discriminator maximises the value function, the generator minimises it.",
       r"minimax"),
    _t("alternating updates", "交替更新", "03_gan_loop",
       "Training by turns: k discriminator steps, then one generator step, repeated.", r"altern"),
    _t("non-saturating loss", "非饱和损失", "03_gan_loop",
       "The generator minimises -log D(G(z)) instead of log(1 - D(G(z))), so its gradient does not vanish "
       "when D wins.", r"non-saturating"),
    _t("optimal discriminator", "最优判别器", "03_gan_loop",
       "D*(x) = p_data(x) / (p_data(x) + p_g(x)), the best discriminator for a fixed generator.",
       r"optimal discriminator"),
    _t("mode collapse", "模式崩溃", "03_gan_loop",
       "The generator covers only some modes (clusters) of the data distribution.", r"mode collapse"),
    _t("deep convolutional GAN (DCGAN)", "深度卷积生成对抗网络", "03_gan_loop",
       "A GAN whose generator and discriminator are convolutional networks, with Radford et al.'s design rules.",
       r"DCGAN"),
    _t("Fréchet distance (FID)", "弗雷歇距离（FID）", "03_gan_loop",
       "The distance between Gaussians fitted to features of real and generated images; lower is better.",
       r"Fr[ée]chet"),
    _t("Inception Score (IS)", "Inception 分数（IS）", "03_gan_loop",
       "exp E_x KL(p(y|x) ‖ p(y)) under a classifier: high when samples are confident and diverse.",
       r"Inception Score|IS-like"),
    _t("latent interpolation", "潜在空间插值", "03_gan_loop",
       "Generating along a straight line between two codes z; a smooth morph suggests the generator did not "
       "memorise.", r"latent codes?|interpolat"),
    # 04 -- Wasserstein GANs
    _t("critic", "评论家（critic）", "04_wgan",
       "A WGAN's discriminator: an unbounded score f(x), no sigmoid, kept (roughly) 1-Lipschitz.", r"\bcritics?\b"),
    _t("Kantorovich–Rubinstein duality", "Kantorovich–Rubinstein 对偶", "04_wgan",
       "W_1(p, q) = sup over 1-Lipschitz f of E_p[f] - E_q[f]: the critic estimates W_1.", r"Kantorovich"),
    _t("Lipschitz constant", "利普希茨常数", "04_wgan",
       "The largest slope |f(x) - f(y)| / ‖x - y‖ of a function; the duality needs it at most 1.",
       r"Lipschitz"),
    _t("weight clipping", "权重裁剪", "04_wgan",
       "Keeping every critic weight in [-c, c] after each step (WGAN): a crude Lipschitz constraint.",
       r"weight clipping|clipping"),
    _t("gradient penalty", "梯度惩罚", "04_wgan",
       "λ E[(‖∇f(x̂)‖ - 1)²] on points between real and fake samples (WGAN-GP): a soft Lipschitz constraint.",
       r"gradient penalty"),
    # 06 -- normalizing flows
    _t("change-of-variables formula", "变量替换公式", "06_flows",
       "log p_x(x) = log p_z(f(x)) + log |det ∂f/∂x| for an invertible f: how a flow computes exact likelihoods.",
       r"change-of-variables"),
    _t("Jacobian determinant", "雅可比行列式", "06_flows",
       "det ∂f/∂x, how much an invertible map stretches volume near x; flows are built so its log is cheap.",
       r"Jacobian"),
    _t("affine coupling layer", "仿射耦合层", "06_flows",
       "Keeps half of the inputs and scales and shifts the other half by functions of the first: invertible, "
       "with a triangular Jacobian.", r"affine coupling"),
    _t("actnorm", "激活归一化（actnorm）", "06_flows",
       "Glow's per-channel scale and shift, initialised from the first batch so that outputs have zero mean "
       "and unit variance.", r"actnorm"),
    # 05 -- denoising
    _t("denoising", "去噪", "05_denoising",
       "Recovering a clean image x from a noisy y = x + n.", r"denois"),
    _t("peak signal-to-noise ratio (PSNR)", "峰值信噪比", "05_denoising",
       "10 log10(MAX² / MSE) in decibels; higher means closer to the clean image pixel by pixel.", r"PSNR"),
    _t("structural similarity (SSIM)", "结构相似性", "05_denoising",
       "A score of at most 1 (identical images) comparing local means, contrasts and correlations.", r"SSIM"),
    _t("BM3D", "BM3D（块匹配三维滤波）", "05_denoising",
       "Block-matching and 3-D filtering: a classical denoiser that filters groups of similar patches together.",
       r"BM3D"),
    _t("conditional GAN", "条件生成对抗网络", "05_denoising",
       "A GAN whose generator takes an input to condition on (here the noisy image and σ: x̂ = G(y, σ)); "
       "pix2pix's discriminator sees it too.", r"conditional GAN"),
    _t("PatchGAN", "PatchGAN（图像块判别器）", "05_denoising",
       "A convolutional discriminator that scores each N×N patch as real or generated and averages the "
       "scores (70×70 in pix2pix, 54×54 here).", r"PatchGAN"),
    _t("perception–distortion tradeoff", "感知-失真权衡", "05_denoising",
       "No denoiser can be both best in distortion (e.g. MSE) and most realistic; GAN losses trade one for the "
       "other.", r"perception"),
)


def mentions(term: Term, text: str) -> bool:
    """True when ``text`` contains one of the term's forms."""
    return any(p.search(text) for p in term.patterns())


def glossary_markdown() -> str:
    """The whole ``notebooks/GLOSSARY.md``: a table in course order."""
    lines = [
        "# Glossary · 术语表",
        "",
        "The course's terms in English and Chinese, each with a one-line definition and the notebook that",
        "introduces it. Generated from `gancourse/glossary.py` by `python scripts/teaching_layer.py --glossary`;",
        "edit the package, not this file.",
        "",
        "| English | 中文 | definition | introduced in |",
        "|---|---|---|---|",
    ]
    order = {nb: i for i, nb in enumerate(NOTEBOOKS)}
    for term in sorted(TERMS, key=lambda t: order[t.notebook]):
        lines.append(f"| {term.english} | {term.chinese} | {term.definition.replace('|', '∣')} | "
                     f"[{term.notebook}]({term.notebook}.ipynb) |")
    return "\n".join(lines) + "\n"
