"""Digests as researchers keep them, beyond the seeds: Hexo front matter, lists and dumps of several
papers, reposts. Each test is one shape that paperdigest once read wrong."""

from __future__ import annotations

import textwrap
from pathlib import Path

from paperdigest.model import CITED, Card, Digest
from paperdigest.parse.digest import parse_digest


def parse_text(tmp_path: Path, text: str, name: str = "note.md") -> Digest:
    path = tmp_path / "digests" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    result = parse_digest(path, tmp_path)
    assert result.digest is not None, result.problems
    return result.digest


def listed(digest: Digest) -> list[Card]:
    return [c for c in digest.cards if c.section != CITED]


def test_hexo_nested_categories_are_each_a_category(tmp_path):
    # Hexo writes a category path as a list inside the list; the digest was refused with an error.
    digest = parse_text(
        tmp_path,
        """
        ---
        title: 五月第二周论文阅读
        date: 2024/05/12 20:30:00
        categories:
        - [论文, 周报]
        - LLM
        tags:
        - 推理
        ---
        本周阅读清单。
        """,
    )
    assert digest.categories == ("论文", "周报", "LLM", "推理")
    assert str(digest.date) == "2024-05-12"


def test_a_daily_dump_of_several_papers_is_not_one_paper(tmp_path):
    # Two `arXiv:` lines and two `Title:` lines: the file was read as a one-paper note, and one paper
    # got the first id, the last title and the file's heading as translated title.
    digest = parse_text(
        tmp_path,
        """
        # arXiv cs.CL 每日速览 2024-01-05

        arXiv:2401.01234v2 [cs.CL] 3 Jan 2024
        Title: Mixture of Experts Meets Instruction Tuning at Scale
        Authors: Alice Zhang, Bob Li

        arXiv:2401.02345 [cs.CL] 4 Jan 2024
        Title: Long-Context Retrieval with Landmark Tokens
        Authors: D. Kim, E. Park
        """,
    )
    assert digest.shape != "paper"
    assert [c.arxiv_id for c in digest.cards] == ["2401.01234", "2401.02345"]
    assert "arXiv cs.CL 每日速览 2024-01-05" not in {c.title for c in digest.cards}


def test_a_repost_with_one_address_line_per_paper_is_not_one_paper(tmp_path):
    digest = parse_text(
        tmp_path,
        """
        来源：我爱计算机视觉 公众号

        【1】InstantID: Zero-shot Identity-Preserving Generation in Seconds

        论文地址：https://arxiv.org/abs/2401.07519

        代码地址：https://github.com/InstantID/InstantID

        【2】Depth Anything: Unleashing the Power of Large-Scale Unlabeled Data

        论文地址：https://arxiv.org/abs/2401.10891

        作者单位：香港大学；TikTok；浙江大学
        """,
    )
    assert digest.shape != "paper"
    assert {c.arxiv_id for c in digest.cards} == {"2401.07519", "2401.10891"}
    assert "来源：我爱计算机视觉 公众号" not in {c.title for c in digest.cards}


def test_a_plain_list_with_a_code_line_is_still_a_plain_list(tmp_path):
    # A `代码：` line in one item and the `作者：` footer made two field lines: a one-paper note
    # titled by the intro sentence, with the first item's id and the second item's code.
    digest = parse_text(
        tmp_path,
        """
        本文总结了2024年6月第一周的重要论文。
        模型架构
        1、Transformers are SSMs: Generalized Models and Efficient Algorithms Through Structured State Space Duality
        Mamba-2 把 SSM 和注意力统一起来。
        https://arxiv.org/abs/2405.21060
        2、Scalable MatMul-free Language Modeling
        代码：https://github.com/ridgerchu/matmulfreellm
        https://arxiv.org/abs/2406.02528v5
        https://avoid.overfit.cn/post/abc123
        作者：Youssef Hosni
        """,
    )
    assert digest.shape == "plainlist"
    assert [(c.arxiv_id, c.title) for c in digest.cards] == [
        (
            "2405.21060",
            "Transformers are SSMs: Generalized Models and Efficient Algorithms Through Structured State Space Duality",
        ),
        ("2406.02528", "Scalable MatMul-free Language Modeling"),
    ]


def test_papers_of_a_weekly_list_are_list_items_with_their_fields(tmp_path):
    # `1. **Title**` with nested `- 论文：` bullets: each paper was a bare citation (no title, code,
    # affiliations or venue) and a paper without an arXiv link (LLaVA-NeXT) was not recorded at all.
    digest = parse_text(
        tmp_path,
        """
        ---
        title: LLM 周报 第3周
        date: 2024-01-21
        ---
        ## 一、检索增强生成

        1. **Self-RAG: Learning to Retrieve, Generate, and Critique through Self-Reflection**
           - 论文：https://arxiv.org/abs/2310.11511
           - 代码：https://github.com/AkariAsai/self-rag
           - 单位：University of Washington, Allen Institute for AI
        2. **AgentBench: Evaluating LLMs as Agents** (ICLR 2024)
           - 论文：[arXiv](https://arxiv.org/abs/2308.03688)
           - 单位：清华大学、俄亥俄州立大学

        ## 二、多模态

        - **LLaVA-NeXT: Improved reasoning, OCR, and world knowledge**
          - 博客：https://llava-vl.github.io/blog/2024-01-30-llava-next/
          - 代码：https://github.com/haotian-liu/LLaVA
        - 本周没有别的了
        """,
    )
    cards = listed(digest)
    assert [(c.arxiv_id, c.title) for c in cards] == [
        ("2310.11511", "Self-RAG: Learning to Retrieve, Generate, and Critique through Self-Reflection"),
        ("2308.03688", "AgentBench: Evaluating LLMs as Agents"),
        ("", "LLaVA-NeXT: Improved reasoning, OCR, and world knowledge"),
    ]
    assert cards[0].code_url == "https://github.com/AkariAsai/self-rag"
    assert cards[0].affiliations == ("University of Washington", "Allen Institute for AI")
    assert cards[1].venue == "ICLR 2024" and cards[1].affiliations == ("清华大学", "俄亥俄州立大学")
    assert cards[2].code_url == "https://github.com/haotian-liu/LLaVA"
    assert all(c.anchor and f'id="{c.anchor}"' in digest.html for c in cards)
    assert not [c for c in digest.cards if c.section == CITED]


def test_arxiv_listings_copied_into_a_digest_are_papers_with_titles(tmp_path):
    # `arXiv:ID` lines with the title and authors under them (labelled or as arXiv's list pages show
    # them): only bare citations were recorded, without a title.
    digest = parse_text(
        tmp_path,
        """
        ## cs.CL

        [1] arXiv:2401.01234 (replaced) [pdf, other]
        **Mixture of Experts Meets Instruction Tuning at Scale**
        Alice Zhang, Bob Li, Carol Wang
        Subjects: Computation and Language (cs.CL)

        arXiv:2401.02345v2 [cs.CL] 4 Jan 2024
        Title: Long-Context Retrieval with Landmark Tokens
        Authors: D. Kim, E. Park
        Abstract: Landmark tokens let a transformer attend to blocks of a long context.
        """,
    )
    assert [(c.arxiv_id, c.title, c.authors) for c in listed(digest)] == [
        (
            "2401.01234",
            "Mixture of Experts Meets Instruction Tuning at Scale",
            ("Alice Zhang", "Bob Li", "Carol Wang"),
        ),
        ("2401.02345", "Long-Context Retrieval with Landmark Tokens", ("D. Kim", "E. Park")),
    ]


def test_a_repost_with_bracketed_labels_and_numbered_title_lines(tmp_path):
    # `【论文地址】...<br>` lines were no fields, `【1】Title` lines no card heading: the papers were
    # bare citations; a `<br>` ending a field line stayed in the value ("New York University<br>").
    digest = parse_text(
        tmp_path,
        """
        <h3>1. Scalable Diffusion Models with Transformers</h3>

        【论文标题】Scalable Diffusion Models with Transformers<br>
        【论文地址】https://arxiv.org/abs/2212.09748<br>
        【代码地址】https://github.com/facebookresearch/DiT<br>
        【作者单位】UC Berkeley，New York University<br>

        【2】InstantID: Zero-shot Identity-Preserving Generation in Seconds

        论文地址：https://arxiv.org/abs/2401.07519

        作者单位：小红书，北京大学
        """,
    )
    cards = listed(digest)
    assert [(c.arxiv_id, c.title, c.affiliations) for c in cards] == [
        ("2212.09748", "Scalable Diffusion Models with Transformers", ("UC Berkeley", "New York University")),
        (
            "2401.07519",
            "InstantID: Zero-shot Identity-Preserving Generation in Seconds",
            ("小红书", "北京大学"),
        ),
    ]
    assert cards[0].code_url == "https://github.com/facebookresearch/DiT"


def test_numbered_lines_inside_a_card_stay_the_authors_steps(tmp_path):
    digest = parse_text(
        tmp_path,
        """
        ### 1、A Paper

        - URL：https://arxiv.org/abs/2401.00001

        1、方法

        代码：https://github.com/a/b
        """,
    )
    assert [c.title for c in digest.cards] == ["A Paper"]


def test_each_row_of_a_table_of_papers_is_a_card(tmp_path):
    # A Papers-with-Code table and a summary table with Chinese headers: each paper was a bare
    # citation without title, code, venue or affiliations.
    digest = parse_text(
        tmp_path,
        """
        | # | Title | Paper | Code | Stars |
        |---|-------|-------|------|------:|
        | 1 | OLMo: Accelerating the Science of Language Models | [2402.00838](https://arxiv.org/abs/2402.00838) | [allenai/OLMo](https://github.com/allenai/OLMo) | 4.0k |
        | 2 | Genie: Generative Interactive Environments | [paper](https://arxiv.org/abs/2402.15391) | - | - |
        | 3 | [Mamba: Linear-Time Sequence Modeling](https://arxiv.org/abs/2312.00752) | | [code](https://github.com/state-spaces/mamba) | 10k |

        | 论文 | 会议 | 论文链接 | 代码 | 单位 |
        | --- | --- | --- | --- | --- |
        | CogVLM: Visual Expert for Pretrained Language Models | NeurIPS 2024 | <https://arxiv.org/abs/2311.03079> | 未开源 | 清华大学、智谱AI |

        | Method | Score |
        |---|---|
        | Baseline | 1.0 |
        """,
    )
    cards = listed(digest)
    assert [(c.arxiv_id, c.title, c.code_url) for c in cards] == [
        (
            "2402.00838",
            "OLMo: Accelerating the Science of Language Models",
            "https://github.com/allenai/OLMo",
        ),
        ("2402.15391", "Genie: Generative Interactive Environments", ""),
        ("2312.00752", "Mamba: Linear-Time Sequence Modeling", "https://github.com/state-spaces/mamba"),
        ("2311.03079", "CogVLM: Visual Expert for Pretrained Language Models", ""),
    ]
    assert cards[3].venue == "NeurIPS 2024" and cards[3].affiliations == ("清华大学", "智谱AI")
    assert all(f'<tr id="{c.anchor}">' in digest.html for c in cards)


def test_a_reading_notes_label_is_no_part_of_the_papers_title(tmp_path):
    # The paper was titled '论文笔记：DoRA: ...', which no other digest calls it: a title-conflict
    # warning for every digest that lists DoRA, and a paper page headed by the label.
    digest = parse_text(
        tmp_path,
        """
        # 论文笔记：DoRA: Weight-Decomposed Low-Rank Adaptation

        > arXiv: https://arxiv.org/abs/2402.09353v2
        > 代码: https://github.com/NVlabs/DoRA

        ## 动机

        LoRA 与全量微调之间仍有差距。
        """,
    )
    assert digest.title == "论文笔记：DoRA: Weight-Decomposed Low-Rank Adaptation"
    assert [c.title for c in listed(digest)] == ["DoRA: Weight-Decomposed Low-Rank Adaptation"]
    other = parse_text(
        tmp_path,
        """
        ---
        title: 【论文笔记】Mamba
        ---
        论文链接：https://arxiv.org/abs/2312.00752
        **标题**：Mamba: Linear-Time Sequence Modeling with Selective State Spaces

        ## 背景
        """,
        "mamba.md",
    )
    (card,) = listed(other)  # the short name in the note's title is no translated title
    assert (card.title, card.translated_title) == (
        "Mamba: Linear-Time Sequence Modeling with Selective State Spaces",
        "",
    )


def test_et_al_and_initials_keep_their_period(tmp_path):
    # The author splitter trimmed every final period: `F. Chen et al.` was stored as "F. Chen et al".
    digest = parse_text(
        tmp_path,
        """
        ### 1、Long-Context Retrieval with Landmark Tokens

        > - URL：https://arxiv.org/abs/2401.02345
        > - 作者：F. Chen et al.
        > - 单位：清华大学。
        """,
    )
    assert digest.cards[0].authors == ("F. Chen et al.",)
    assert digest.cards[0].affiliations == ("清华大学",)


def test_a_code_line_of_a_plain_list_is_the_papers_code(tmp_path):
    # `代码：https://github.com/...` under a title stayed in the summary, and the paper had no code.
    digest = parse_text(
        tmp_path,
        """
        本文总结了2024年6月第一周的重要论文。
        模型架构
        1、Scalable MatMul-free Language Modeling
        代码：https://github.com/ridgerchu/matmulfreellm
        去掉矩阵乘法之后，语言模型依然能扩展到十亿参数。
        https://arxiv.org/abs/2406.02528v5
        2、Transformers are SSMs
        Mamba-2 把 SSM 和注意力统一起来。
        https://arxiv.org/abs/2405.21060
        """,
    )
    assert digest.shape == "plainlist"
    first = digest.cards[0]
    assert first.code_url == "https://github.com/ridgerchu/matmulfreellm"
    assert first.summary == "去掉矩阵乘法之后，语言模型依然能扩展到十亿参数。"
    assert digest.cards[1].code_url == ""


def test_the_abstract_of_an_arxiv_dump_is_the_summary(tmp_path):
    # arXiv's own `Abstract:` line (wrapped over lines as copied) was no field: the paper had no summary.
    digest = parse_text(
        tmp_path,
        """
        ## cs.CL 今日新论文

        [1] arXiv:2401.01234 [pdf, other]
        Mixture of Experts Meets Instruction Tuning at Scale
        F. Chen, G. Li, et al.
        Abstract: Instruction tuning helps sparse mixture-of-experts
        models more than dense ones.
        """,
    )
    card = listed(digest)[0]
    assert card.authors == ("F. Chen", "G. Li", "et al.")
    assert card.summary == "Instruction tuning helps sparse mixture-of-experts models more than dense ones."


def test_one_line_list_items_of_papers_are_papers(tmp_path):
    # Awesome-lists and weekly lists write a paper on one line: each was a bare citation (an id, at
    # best the link's text as title), without its code, venue or authors.
    digest = parse_text(
        tmp_path,
        """
        ---
        title: 大模型量化与推理论文清单
        date: 2024-03-01
        ---
        持续更新的阅读清单。

        ## 量化

        - **GPTQ: Accurate Post-Training Quantization for Generative Pre-trained Transformers**. *Frantar et al.* ICLR 2023. [[paper](https://arxiv.org/abs/2210.17323)] [[code](https://github.com/IST-DASLab/gptq)]
        - [SmoothQuant: Accurate and Efficient Post-Training Quantization for Large Language Models](https://arxiv.org/abs/2211.10438) - Xiao et al. (ICML 2023) [代码](https://github.com/mit-han-lab/smoothquant)

        ## 推理

        - 过程监督
          - Let's Verify Step by Step [[paper]](https://arxiv.org/abs/2305.20050)
        * 2023.05 | Direct Preference Optimization: Your Language Model is Secretly a Reward Model | [paper](https://arxiv.org/abs/2305.18290) | [github](https://github.com/eric-mitchell/direct-preference-optimization)

        ## 更多

        1. Dense Passage Retrieval for Open-Domain Question Answering — Karpukhin et al., EMNLP 2020. https://arxiv.org/abs/2004.04906
        """,
    )
    cards = listed(digest)
    assert [(c.arxiv_id, c.title) for c in cards] == [
        ("2210.17323", "GPTQ: Accurate Post-Training Quantization for Generative Pre-trained Transformers"),
        (
            "2211.10438",
            "SmoothQuant: Accurate and Efficient Post-Training Quantization for Large Language Models",
        ),
        ("2305.20050", "Let's Verify Step by Step"),
        ("2305.18290", "Direct Preference Optimization: Your Language Model is Secretly a Reward Model"),
        ("2004.04906", "Dense Passage Retrieval for Open-Domain Question Answering"),
    ]
    gptq, smoothquant, verify, dpo, dpr = cards
    assert (gptq.venue, gptq.authors, gptq.code_url) == (
        "ICLR 2023",
        ("Frantar", "et al."),
        "https://github.com/IST-DASLab/gptq",
    )
    assert (smoothquant.venue, smoothquant.code_url) == (
        "ICML 2023",
        "https://github.com/mit-han-lab/smoothquant",
    )
    assert verify.code_url == "" and verify.venue == ""
    assert dpo.code_url == "https://github.com/eric-mitchell/direct-preference-optimization"
    assert (dpr.venue, dpr.authors, dpr.section) == ("EMNLP 2020", ("Karpukhin", "et al."), "more")
    assert [c.position for c in cards] == [1, 2, 3, 4, 5]
    assert all(c.anchor and f'<li id="{c.anchor}"' in digest.html for c in cards)
    assert not [c for c in digest.cards if c.section == CITED]


def test_prose_items_and_references_stay_citations(tmp_path):
    # What a one-line paper looks like from afar, but is a sentence citing a paper, a label, two papers
    # in one line, or a reference: citations, as before.
    digest = parse_text(
        tmp_path,
        """
        # 本周随笔

        - 我觉得 [1](https://arxiv.org/abs/2305.20050) 里的过程监督很有意思。
        - **注意**：[这篇论文](https://arxiv.org/abs/2401.10001) 的实验设置有问题。
        - We find that [GPT-4](https://arxiv.org/abs/2303.08774) outperforms all baselines.
        - See also [Mamba](https://arxiv.org/abs/2312.00752)
        - Related work: [paper](https://arxiv.org/abs/2401.10002)
        - 另见 https://arxiv.org/abs/2401.10003 的讨论。
        - Compare [Self-RAG](https://arxiv.org/abs/2310.11511) and [CRAG](https://arxiv.org/abs/2401.15884).

        这段话引用了 [Scaling Laws for Neural Language Models](https://arxiv.org/abs/2001.08361)，顺带一提。

        ## 参考

        - [Attention Is All You Need](https://arxiv.org/abs/1706.03762)
        - Training language models to follow instructions with human feedback. https://arxiv.org/abs/2203.02155
        """,
    )
    assert listed(digest) == []
    assert len(digest.cards) == 11


def test_numbered_h2_headings_above_the_papers_links_are_cards(tmp_path):
    # `## 1. Title` then `[Paper](...) | [Code](...)` (or a bare arXiv URL): the file was read as an
    # article, each heading became a mention's category and the paper got no title or code.
    digest = parse_text(
        tmp_path,
        """
        ---
        title: 本周 SSM 论文精选
        date: 2024-02-01
        ---
        本周挑了三篇状态空间模型的论文。

        ## 1. Mamba: Linear-Time Sequence Modeling with Selective State Spaces
        [Paper](https://arxiv.org/abs/2312.00752) | [Code](https://github.com/state-spaces/mamba)

        选择性状态空间，线性复杂度。

        ## 2) RWKV: Reinventing RNNs for the Transformer Era
        [Paper](https://arxiv.org/abs/2305.13048)
        [Code](https://github.com/BlinkDL/RWKV-LM)

        RNN 的训练也可以并行。

        ## 3. Vision Mamba
        https://arxiv.org/abs/2401.09417

        把 Mamba 用到视觉上，参考了 [S4](https://arxiv.org/abs/2111.00396)。

        ## 4. 总结
        [Paper](https://arxiv.org/abs/2312.00752)

        三篇都值得读。
        """,
    )
    assert digest.shape == "cards"
    cards = listed(digest)
    assert [(c.arxiv_id, c.title, c.code_url, c.summary) for c in cards] == [
        (
            "2312.00752",
            "Mamba: Linear-Time Sequence Modeling with Selective State Spaces",
            "https://github.com/state-spaces/mamba",
            "选择性状态空间，线性复杂度。",
        ),
        (
            "2305.13048",
            "RWKV: Reinventing RNNs for the Transformer Era",
            "https://github.com/BlinkDL/RWKV-LM",
            "RNN 的训练也可以并行。",
        ),
        ("2401.09417", "Vision Mamba", "", "把 Mamba 用到视觉上，参考了 S4。"),
    ]
    assert all(c.anchor and f'<h2 id="{c.anchor}"' in digest.html for c in cards)
    assert [c.arxiv_id for c in digest.cards if c.section == CITED] == ["2111.00396"]


def test_an_articles_discussions_stay_sections_beside_a_papers_heading(tmp_path):
    # Seed 004's `## 1) Title` sections discuss a paper cited in prose: they stay the article's
    # categories; a numbered heading right above its paper's links is that paper's card.
    digest = parse_text(
        tmp_path,
        """
        ## 1) Tiny Titans: 小模型能否胜任会议摘要？
        在这篇[Tiny Titans论文](https://arxiv.org/abs/2402.00841)中，研究人员比较了小模型和大模型。

        ## 2) DoRA: Weight-Decomposed Low-Rank Adaptation
        [Paper](https://arxiv.org/abs/2402.09353) · [Code](https://github.com/NVlabs/DoRA)

        DoRA 把权重分解成幅度和方向。
        """,
    )
    assert digest.shape == "article"
    tiny, dora = digest.cards
    assert (tiny.section, tiny.title, tiny.category) == (CITED, "", "Tiny Titans: 小模型能否胜任会议摘要？")
    assert (dora.section, dora.title, dora.category) == (
        "main",
        "DoRA: Weight-Decomposed Low-Rank Adaptation",
        "",
    )
    assert dora.code_url == "https://github.com/NVlabs/DoRA"


def test_a_line_of_paper_and_code_links_under_a_card_heading_is_the_cards(tmp_path):
    # `### 1、Title` then `[Paper](...) | [Code](...)` without a label: the card had no URL or code,
    # and the paper was also a separate bare citation.
    digest = parse_text(
        tmp_path,
        """
        ### 1、Jamba: A Hybrid Transformer-Mamba Language Model

        [Paper](https://arxiv.org/abs/2403.19887) | [Code](https://github.com/ai21labs/jamba)

        混合架构，256K 上下文。
        """,
    )
    (card,) = digest.cards
    assert (card.arxiv_id, card.code_url, card.summary) == (
        "2403.19887",
        "https://github.com/ai21labs/jamba",
        "混合架构，256K 上下文。",
    )
