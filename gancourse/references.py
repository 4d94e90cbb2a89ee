"""The papers the course cites, in one place, and how to find citations in a notebook's text.

Every notebook ends with a "References" section built from :data:`PAPERS` by
``scripts/teaching_layer.py``: the papers its text cites, each with its year and a stable
identifier (an arXiv id or a DOI). A citation in the text is an author-year mention such as
"Goodfellow et al., 2014", "Radford et al. (2016)", "Arjovsky & Bottou (2017, Section 2)" or
"(Villani, 2009)"; :func:`find_citations` finds them and :func:`lookup` maps each to its
paper, or raises with the fix when the registry lacks it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["Paper", "Citation", "PAPERS", "find_citations", "lookup", "format_reference"]


@dataclass(frozen=True)
class Paper:
    """One cited work.

    Parameters
    ----------
    key : str
        Registry key, ``surname + year`` (``"goodfellow2014"``).
    authors : tuple of str
        Every author as "I. Surname", in the paper's order; the surname is the last word.
    year : int
        Year of the version cited (the conference or journal year).
    title : str
        Title as published.
    venue : str
        Where it appeared ("NeurIPS 2014", "IEEE Trans. Image Processing 26(7)").
    arxiv : str, optional
        arXiv identifier, new style ("1406.2661").
    doi : str, optional
        Digital object identifier ("10.1109/TIP.2007.901238").
    also_cited_as : tuple of int
        Other years under which texts cite it (the arXiv year of a later conference paper).
    name : str, optional
        The method's usual name ("DnCNN", "pix2pix"), shown beside the citation.
    """

    key: str
    authors: tuple[str, ...]
    year: int
    title: str
    venue: str
    arxiv: str | None = None
    doi: str | None = None
    also_cited_as: tuple[int, ...] = ()
    name: str | None = None

    @property
    def surnames(self) -> tuple[str, ...]:
        return tuple(a.split()[-1] for a in self.authors)

    @property
    def short(self) -> str:
        """How the text cites it: "Goodfellow et al. (2014)", "Arjovsky & Bottou (2017)"."""
        s = self.surnames
        names = s[0] if len(s) == 1 else f"{s[0]} & {s[1]}" if len(s) == 2 else f"{s[0]} et al."
        return f"{names} ({self.year})"

    @property
    def cite_keys(self) -> list[tuple[str, str | None, int]]:
        """(first surname, second surname / "et al." / None, year) for every year it is cited under."""
        s = self.surnames
        second = None if len(s) == 1 else s[1] if len(s) == 2 else "et al."
        return [(s[0], second, y) for y in (self.year, *self.also_cited_as)]

    @property
    def url(self) -> str:
        return f"https://arxiv.org/abs/{self.arxiv}" if self.arxiv else f"https://doi.org/{self.doi}"

    @property
    def identifier(self) -> str:
        return f"arXiv:{self.arxiv}" if self.arxiv else f"doi:{self.doi}"


def _p(key, authors, year, title, venue, arxiv=None, doi=None, also=(), name=None):
    return Paper(key, tuple(authors.split(", ")), year, title, venue, arxiv, doi, tuple(also), name)


#: Every work the course cites. Add a paper here before citing it in a notebook.
PAPERS: dict[str, Paper] = {p.key: p for p in [
    # --- GANs: the game, architectures, evaluation (notebooks 00, 01, 03) ---
    _p("goodfellow2014", "I. Goodfellow, J. Pouget-Abadie, M. Mirza, B. Xu, D. Warde-Farley, S. Ozair, "
       "A. Courville, Y. Bengio", 2014, "Generative Adversarial Nets", "NeurIPS 2014", arxiv="1406.2661"),
    _p("mirza2014", "M. Mirza, S. Osindero", 2014, "Conditional Generative Adversarial Nets", "arXiv preprint",
       arxiv="1411.1784"),
    _p("radford2016", "A. Radford, L. Metz, S. Chintala", 2016, "Unsupervised Representation Learning with "
       "Deep Convolutional Generative Adversarial Networks", "ICLR 2016", arxiv="1511.06434", also=(2015,), name="DCGAN"),
    _p("salimans2016", "T. Salimans, I. Goodfellow, W. Zaremba, V. Cheung, A. Radford, X. Chen", 2016,
       "Improved Techniques for Training GANs", "NeurIPS 2016", arxiv="1606.03498"),
    _p("heusel2017", "M. Heusel, H. Ramsauer, T. Unterthiner, B. Nessler, S. Hochreiter", 2017,
       "GANs Trained by a Two Time-Scale Update Rule Converge to a Local Nash Equilibrium", "NeurIPS 2017",
       arxiv="1706.08500", name="FID"),
    _p("lin2018", "Z. Lin, A. Khetan, G. Fanti, S. Oh", 2018,
       "PacGAN: The Power of Two Samples in Generative Adversarial Networks", "NeurIPS 2018", arxiv="1712.04086", name="PacGAN"),
    _p("kahng2019", "M. Kahng, N. Thorat, D. H. Chau, F. B. Viégas, M. Wattenberg", 2019,
       "GAN Lab: Understanding Complex Deep Generative Models using Interactive Visual Experimentation",
       "IEEE Trans. Visualization and Computer Graphics 25(1)", arxiv="1809.01587"),
    _p("srivastava2017", "A. Srivastava, L. Valkov, C. Russell, M. U. Gutmann, C. Sutton", 2017,
       "VEEGAN: Reducing Mode Collapse in GANs using Implicit Variational Learning", "NeurIPS 2017",
       arxiv="1705.07761", name="VEEGAN"),
    _p("azadi2019", "S. Azadi, C. Olsson, T. Darrell, I. Goodfellow, A. Odena", 2019, "Discriminator Rejection Sampling",
       "ICLR 2019", arxiv="1810.06758"),
    _p("turner2019", "R. Turner, J. Hung, E. Frank, Y. Saatci, J. Yosinski", 2019,
       "Metropolis-Hastings Generative Adversarial Networks", "ICML 2019", arxiv="1811.11357", name="MH-GAN"),
    _p("miyato2018", "T. Miyato, T. Kataoka, M. Koyama, Y. Yoshida", 2018,
       "Spectral Normalization for Generative Adversarial Networks", "ICLR 2018", arxiv="1802.05957"),
    # --- distances between distributions, Wasserstein GANs (notebooks 02, 04) ---
    _p("arjovsky_bottou2017", "M. Arjovsky, L. Bottou", 2017,
       "Towards Principled Methods for Training Generative Adversarial Networks", "ICLR 2017",
       arxiv="1701.04862"),
    _p("arjovsky2017", "M. Arjovsky, S. Chintala, L. Bottou", 2017, "Wasserstein Generative Adversarial Networks",
       "ICML 2017", arxiv="1701.07875", name="WGAN"),
    _p("gulrajani2017", "I. Gulrajani, F. Ahmed, M. Arjovsky, V. Dumoulin, A. Courville", 2017,
       "Improved Training of Wasserstein GANs", "NeurIPS 2017", arxiv="1704.00028", name="WGAN-GP"),
    _p("petzka2018", "H. Petzka, A. Fischer, D. Lukovnikov", 2018, "On the Regularization of Wasserstein GANs",
       "ICLR 2018", arxiv="1709.08894"),
    _p("villani2009", "C. Villani", 2009, "Optimal Transport: Old and New", "Springer",
       doi="10.1007/978-3-540-71050-9"),
    # --- image denoising (notebook 05) ---
    _p("wu2021", "Y. Wu, J. Johnson", 2021, "Rethinking \"Batch\" in BatchNorm", "arXiv preprint",
       arxiv="2105.07576", name="PreciseBN"),
    _p("rudin1992", "L. I. Rudin, S. Osher, E. Fatemi", 1992,
       "Nonlinear Total Variation Based Noise Removal Algorithms", "Physica D 60(1-4)",
       doi="10.1016/0167-2789(92)90242-F"),
    _p("chambolle2004", "A. Chambolle", 2004, "An Algorithm for Total Variation Minimization and Applications",
       "J. Mathematical Imaging and Vision 20", doi="10.1023/B:JMIV.0000011325.36760.1e"),
    _p("wang2004", "Z. Wang, A. C. Bovik, H. R. Sheikh, E. P. Simoncelli", 2004,
       "Image Quality Assessment: From Error Visibility to Structural Similarity",
       "IEEE Trans. Image Processing 13(4)", doi="10.1109/TIP.2003.819861", name="SSIM"),
    _p("buades2005", "A. Buades, B. Coll, J.-M. Morel", 2005, "A Non-Local Algorithm for Image Denoising",
       "CVPR 2005", doi="10.1109/CVPR.2005.38", name="non-local means"),
    _p("dabov2007", "K. Dabov, A. Foi, V. Katkovnik, K. Egiazarian", 2007,
       "Image Denoising by Sparse 3-D Transform-Domain Collaborative Filtering",
       "IEEE Trans. Image Processing 16(8)", doi="10.1109/TIP.2007.901238", name="BM3D"),
    _p("zhang2017", "K. Zhang, W. Zuo, Y. Chen, D. Meng, L. Zhang", 2017,
       "Beyond a Gaussian Denoiser: Residual Learning of Deep CNN for Image Denoising",
       "IEEE Trans. Image Processing 26(7)", arxiv="1608.03981", name="DnCNN"),
    _p("zhang2018", "K. Zhang, W. Zuo, L. Zhang", 2018,
       "FFDNet: Toward a Fast and Flexible Solution for CNN-Based Image Denoising",
       "IEEE Trans. Image Processing 27(9)", arxiv="1710.04026", name="FFDNet"),
    _p("isola2017", "P. Isola, J.-Y. Zhu, T. Zhou, A. A. Efros", 2017,
       "Image-to-Image Translation with Conditional Adversarial Networks", "CVPR 2017",
       arxiv="1611.07004", name="pix2pix"),
    _p("ledig2017", "C. Ledig, L. Theis, F. Huszár, J. Caballero, A. Cunningham, A. Acosta, A. Aitken, "
       "A. Tejani, J. Totz, Z. Wang, W. Shi", 2017,
       "Photo-Realistic Single Image Super-Resolution Using a Generative Adversarial Network",
       "CVPR 2017", arxiv="1609.04802", name="SRGAN"),
    _p("loshchilov2017", "I. Loshchilov, F. Hutter", 2017, "SGDR: Stochastic Gradient Descent with Warm Restarts",
       "ICLR 2017", arxiv="1608.03983", name="SGDR"),
    _p("blau2018", "Y. Blau, T. Michaeli", 2018, "The Perception-Distortion Tradeoff", "CVPR 2018",
       arxiv="1711.06077"),
    _p("lehtinen2018", "J. Lehtinen, J. Munkberg, J. Hasselgren, S. Laine, T. Karras, M. Aittala, T. Aila", 2018,
       "Noise2Noise: Learning Image Restoration without Clean Data", "ICML 2018", arxiv="1803.04189"),
    # --- beyond GANs (notebooks 00, 06) ---
    _p("kingma2014", "D. P. Kingma, M. Welling", 2014, "Auto-Encoding Variational Bayes", "ICLR 2014",
       arxiv="1312.6114", also=(2013,), name="VAE"),
    _p("dinh2015", "L. Dinh, D. Krueger, Y. Bengio", 2015, "NICE: Non-linear Independent Components Estimation",
       "ICLR 2015 workshop", arxiv="1410.8516", name="NICE"),
    _p("rezende2015", "D. J. Rezende, S. Mohamed", 2015, "Variational Inference with Normalizing Flows",
       "ICML 2015", arxiv="1505.05770"),
    _p("dinh2017", "L. Dinh, J. Sohl-Dickstein, S. Bengio", 2017, "Density Estimation using Real NVP",
       "ICLR 2017", arxiv="1605.08803", name="Real NVP"),
    _p("kingma2018", "D. P. Kingma, P. Dhariwal", 2018, "Glow: Generative Flow with Invertible 1x1 Convolutions",
       "NeurIPS 2018", arxiv="1807.03039", name="Glow"),
    _p("nalisnick2019", "E. Nalisnick, A. Matsukawa, Y. W. Teh, D. Gorur, B. Lakshminarayanan", 2019,
       "Do Deep Generative Models Know What They Don't Know?", "ICLR 2019", arxiv="1810.09136"),
    _p("ho2020", "J. Ho, A. Jain, P. Abbeel", 2020, "Denoising Diffusion Probabilistic Models", "NeurIPS 2020",
       arxiv="2006.11239", name="DDPM"),
    _p("papamakarios2021", "G. Papamakarios, E. Nalisnick, D. J. Rezende, S. Mohamed, B. Lakshminarayanan", 2021,
       "Normalizing Flows for Probabilistic Modeling and Inference", "J. Machine Learning Research 22(57)",
       arxiv="1912.02762"),
]}


@dataclass(frozen=True)
class Citation:
    """An author-year mention found in a text."""

    text: str  #: the matched text, e.g. "Goodfellow et al., 2014"
    first: str  #: first author's surname
    second: str | None  #: second surname (two authors), "et al." (three or more), None (one)
    year: int


_NAME = r"[A-Z][a-zà-öø-ÿ]+(?:[-'][A-Z]?[a-zà-öø-ÿ]+)*"
# Surname [et al. | , Surname ... & Surname]['s][,] [(]year -- the year must not run on into more digits.
_CITATION = re.compile(
    rf"(?<![\w.])(?P<open>\()?(?P<names>{_NAME}"
    rf"(?:(?P<etal>\s+et\s+al\.?)|(?:,\s+{_NAME})*,?\s+(?:&|and)\s+{_NAME})?)"
    r"(?:'s)?(?P<sep>,\s*|\s+\(|\s+)(?P<year>(?:19|20)\d\d)(?![\d])"
)


def find_citations(text: str) -> list[Citation]:
    """Find the author-year citations in ``text``, in order.

    Recognised forms: "Surname et al., 2014", "Surname et al. (2014)", "Surname et al. 2014",
    "A & B (2017, Section 2)", "A and B, 2018", "A, B & C, 2018" (three or more names count as
    "et al."), and a single author only inside parentheses,
    "(Villani, 2009)", or before a parenthesised year, "Villani (2009)". Venues such as
    "ICLR 2018" and phrases such as "In 2014" are not citations.

    Examples
    --------
    >>> [c.text for c in find_citations("as in (Goodfellow et al., 2014, Eq. 1) and ICML 2017")]
    ['Goodfellow et al., 2014']
    """
    out = []
    for m in _CITATION.finditer(text):
        names = re.findall(_NAME, m.group("names").replace("et al", ""))
        if len(names) == 1 and not m.group("etal") and not (
                m.group("open") and m.group("sep").startswith(",") or m.group("sep").endswith("(")):
            continue  # a lone capitalised word before a year is not a citation
        second = "et al." if m.group("etal") or len(names) > 2 else names[1] if len(names) == 2 else None
        shown = text[m.start("names"):m.end()] + (")" if m.group("sep").endswith("(") else "")
        out.append(Citation(" ".join(shown.split()), names[0], second, int(m.group("year"))))
    return out


_INDEX: dict[tuple[str, str | None, int], Paper] = {}
for _paper in PAPERS.values():
    for _key in _paper.cite_keys:
        if _key in _INDEX:  # pragma: no cover - guarded by tests/test_references.py
            raise RuntimeError(f"{_paper.key} and {_INDEX[_key].key} are both cited as {_key}")
        _INDEX[_key] = _paper


def lookup(citation: Citation, where: str = "the text") -> Paper:
    """The registered paper a citation refers to.

    Raises
    ------
    LookupError
        When :data:`PAPERS` has no such paper; the message says what to add.
    """
    paper = _INDEX.get((citation.first, citation.second, citation.year))
    if paper is None:
        raise LookupError(
            f"{where} cites {citation.text!r}, which is not in gancourse.references.PAPERS; add the paper "
            "there (authors, year, title, venue and its arXiv id or DOI), or fix the citation "
            "(two authors are cited as 'A & B', three or more as 'A et al.')"
        )
    return paper


def format_reference(paper: Paper) -> str:
    """One markdown line: short form (and name) in bold, authors, title, venue, identifier as a link."""
    name = f", {paper.name}" if paper.name else ""
    return (f"- **{paper.short}{name}.** {', '.join(paper.authors)}. *{paper.title}*. {paper.venue}. "
            f"[{paper.identifier}]({paper.url})")
