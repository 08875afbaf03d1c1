"""A deterministic corpus of digests in the 2023-05-02 shape, for benchmarks.

Each digest is about 6 KB of Markdown: front matter, ~5 main cards and ~2 in `## 更多`, summaries
with bold and underlined text, inline (`$$x$$`, `$x$`) and display math, a code block, images,
`####` subsections and a `## 参考` list. About one card in six repeats a paper from an earlier
digest, so paper pages collect several mentions. The same N and seed always give the same bytes.

    python benchmarks/corpus.py 1000 benchmarks/corpus/1000
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import shutil
from pathlib import Path

START = dt.date(2015, 1, 1)
CATEGORIES = ["paper", "nlp", "cv", "ml", "robotics", "speech", "theory", "systems"]
WORDS = [
    "Efficient",
    "Scalable",
    "Robust",
    "Sparse",
    "Diffusion",
    "Transformer",
    "Language",
    "Models",
    "Vision",
    "Reasoning",
    "Agents",
    "Retrieval",
    "Contrastive",
    "Learning",
    "Alignment",
    "Graph",
    "Neural",
    "Networks",
    "Reinforcement",
    "Policy",
    "Optimization",
    "Multimodal",
    "Instruction",
    "Tuning",
    "Benchmark",
    "Emergent",
    "Abilities",
    "Residual",
    "Attention",
    "Memory",
    "Long",
    "Context",
    "Compression",
    "Quantization",
    "Distillation",
    "Adapter",
    "Parameter",
    "Zero-Shot",
    "Few-Shot",
    "Segmentation",
    "Detection",
]
AFFILIATIONS = [
    "斯坦福大学", "上海交通大学", "上海人工智能实验室", "香港中文大学", "Microsoft Research",
    "Google DeepMind", "清华大学", "北京大学", "UNC Chapel Hill", "Meta AI", "MIT", "CMU",
]  # fmt: skip
SENTENCES = [
    "之前的研究表明，大型语言模型表现出的涌现能力具有两个特点：突然出现和不可预测性。",
    "本研究旨在提出另一种解释，以探讨这种现象背后的原因，从而更好地理解模型的行为。",
    "通过对固定模型输出进行分析，**可以选择一种度量方式来推断出涌现能力**。",
    "结果表明，<u>该方法在多个基准上优于现有方法</u>，并且训练成本更低。",
    "While both variants enjoy their advantages, they also suffer from **severe limitations**.",
    "给定一个有 $$N$$ 个残差块的网络，输出的形状是 $$R^{n\\times d}$$，其中 $n$ 表示序列长度。",
    "直觉上，$$x_k^f$$ 会被归一化 $$N-k$$ 次，对应的权重 $$w_k$$ 的梯度也相应地被归一化。",
    "实验在 **机器翻译基准测试** 中验证了方法的有效性，代码与模型均已开源。",
]
DISPLAY_MATH = [
    "$$\n\\begin{align}\n\\boldsymbol{x}_k^a&=\\boldsymbol{x}_k^{ln}+f_k(\\boldsymbol{x}_k^{ln};\\boldsymbol{w}_k) \\\\\n\n"
    "\\boldsymbol{x}_{k+1}^{ln}&=\\operatorname{LN}(\\boldsymbol{x}_k^a)\n\\end{align}\n$$",
    "$$\ny = LN(\\boldsymbol{x}_{N+1}^a) = LN(\\sum_{k=1}^N \\boldsymbol{x}_k^f)\n$$",
    "$$\n\\mathcal{L} = -\\sum_{i} \\log \\frac{e^{s_i/\\tau}}{\\sum_j e^{s_j/\\tau}}\n$$",
]
CODE = [
    "```python\ndef merge(models, weights):\n    return sum(w * m for w, m in zip(weights, models))\n```",
    "```bash\npip install vl-merging && python train.py --config configs/base.yaml\n```",
]


def paper_title(rng: random.Random) -> str:
    return " ".join(rng.sample(WORDS, rng.randint(4, 8)))


def new_paper(rng: random.Random, date: dt.date, n: int) -> dict:
    return {
        "arxiv": f"{date.year % 100:02d}{date.month:02d}.{n % 100000:05d}",
        "title": paper_title(rng),
        "translated": "".join(rng.sample("大型语言模型的涌现能力是种幻觉吗视觉指令参数高效", 12)),
        "code": rng.choice(["", "未开源", f"https://github.com/lab{n % 97}/repo{n}"]),
        "affiliations": "、".join(rng.sample(AFFILIATIONS, rng.randint(1, 3))),
    }


def card(rng: random.Random, number: int, paper: dict) -> str:
    image = f"https://pic{rng.randint(1, 4)}.zhimg.com/80/v2-{rng.getrandbits(64):016x}_720w.webp"
    summary = "".join(rng.sample(SENTENCES, 2))
    lines = [
        f"### {number}、{paper['title']}",
        "",
        f"> {paper['translated']}",
        "",
        f"> 《{paper['title']}》",
        ">",
        f"> - URL：https://arxiv.org/abs/{paper['arxiv']}",
        ">",
        f"> - Official Code：{paper['code']}",
        ">",
        f"> - 单位：{paper['affiliations']}",
        "",
        summary,
        "",
        f"- 动机：{rng.choice(SENTENCES)}",
        "",
        f"![{paper['title'][:20]}]({image})",
        "",
    ]
    if rng.random() < 0.4:
        lines += ["#### 实验结果", "", rng.choice(SENTENCES), "", rng.choice(DISPLAY_MATH), ""]
    if rng.random() < 0.25:
        lines += [rng.choice(CODE), ""]
    return "\n".join(lines) + "\n"


def digest_text(rng: random.Random, date: dt.date, papers: list[dict]) -> str:
    cate1 = CATEGORIES[date.toordinal() % len(CATEGORIES)]
    cate2 = rng.choice(["", "", rng.choice(CATEGORIES)])
    head = (
        f"---\nlayout: wiki\ntitle: {date.isoformat()}：论文速递\ncate1: {cate1}\ncate2: {cate2}\n"
        f"description: \nkeywords: paper\nmathjax: true\n---\n\n## {date.isoformat()}：论文速递\n\n"
    )
    main, more = papers[:5], papers[5:]
    body = "".join(card(rng, i, p) for i, p in enumerate(main, start=1))
    body += "\n## 更多\n\n" + "".join(card(rng, i, p) for i, p in enumerate(more, start=1))
    body += f"\n## 参考\n\n- 知乎：[论文推介({date.month}.{date.day})](https://zhuanlan.zhihu.com/p/{date.toordinal()})\n"
    return head + body


def generate(n: int, out: Path, seed: int = 20230502) -> list[Path]:
    """Write N digests into out/digests (replacing it) and a site.yaml; returns the digest paths."""
    rng = random.Random(seed)
    digests = out / "digests"
    shutil.rmtree(digests, ignore_errors=True)
    digests.mkdir(parents=True)
    (out / "site.yaml").write_text("title: Benchmark digests\nbase_url: https://example.github.io/bench/\n")
    seen: list[dict] = []
    paths = []
    for i in range(n):
        date = START + dt.timedelta(days=i)
        papers = []
        for k in range(7):
            if seen and rng.random() < 0.15:
                candidate = rng.choice(seen[-2000:])
                if candidate not in papers:
                    papers.append(candidate)
                    continue
            papers.append(new_paper(rng, date, i * 10 + k))
        seen.extend(papers)
        path = digests / f"{date.isoformat()}-paper-digest.md"
        path.write_text(digest_text(rng, date, papers), encoding="utf-8")
        paths.append(path)
    return paths


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", type=int)
    parser.add_argument("out", type=Path)
    args = parser.parse_args()
    paths = generate(args.n, args.out)
    total = sum(p.stat().st_size for p in paths)
    print(f"{len(paths)} digests, {total / 1e6:.1f} MB in {args.out / 'digests'}")


if __name__ == "__main__":
    main()
