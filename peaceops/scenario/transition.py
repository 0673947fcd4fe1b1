"""UNMICA's transition benchmarks for Carana (fictional), as a joint committee would agree them.

The set follows the template shipped with PeaceOps (``frameworks/transition``): national
benchmarks on the police, justice, prisons, violence, funding and the mission's footprint; and,
because the 2025-2026 transition mandate hands security over region by region, one benchmark
per region: the forecast risk of large-scale violence there stays low for three months and the
mission no longer holds a base there. The committee agreed it in March 2025, with the
drawdown to be complete by the end of 2027. Thresholds are the committee's choices, not facts
about any real country; how far Carana's evidence is from them is for the platform to judge.
"""

from __future__ import annotations

from datetime import date

from peaceops.domain.places import AdminArea
from peaceops.domain.transition import (
    Benchmark,
    BenchmarkSet,
    Condition,
    ConditionKind,
    Direction,
    SetStatus,
)

AGREED_BY = "Joint Transition Committee (Government of Carana and UNMICA)"
AGREED_ON = date(2025, 3, 14)
TARGET = date(2027, 12, 31)

K = ConditionKind


def _c(
    key: str,
    kind: ConditionKind,
    threshold: float,
    target: str = "",
    *,
    months: int = 1,
    ceiling: bool = False,
) -> Condition:
    return Condition(
        key=key,
        kind=kind,
        threshold=threshold,
        direction=Direction.AT_MOST if ceiling else Direction.AT_LEAST,
        target=target,
        months=months,
    )


def build_benchmarks(regions: list[AdminArea], *, iso3: str) -> BenchmarkSet:
    """The agreed set: seven national benchmarks and one per region."""
    national = (
        Benchmark(
            key="police_security",
            institution="police",
            statement={
                "en": "The Carana National Police provide security and protect civilians "
                "without UNMICA's support.",
                "fr": "La Police nationale du Carana assure la sécurité et protège les civils "
                "sans l'appui de la MINUCA.",
            },
            conditions=(
                _c("police_performance", K.DIMENSION_SCORE, 0.55, "police/performance"),
                _c("police_capacity", K.DIMENSION_SCORE, 0.55, "police/capacity"),
                _c("police_trained", K.TRAINED_PERSONNEL, 400, "police"),
            ),
        ),
        Benchmark(
            key="police_accountable",
            institution="police",
            statement={
                "en": "The police are accountable: complaints against officers are decided "
                "and the police law meets international standards.",
                "fr": "La police rend des comptes : les plaintes contre ses agents sont "
                "tranchées et la loi sur la police est conforme aux normes internationales.",
            },
            conditions=(
                _c("police_integrity", K.DIMENSION_SCORE, 0.6, "police/integrity"),
                _c("complaints_handled", K.COMPLAINTS_RESOLVED, 0.7),
                _c("police_law", K.INDICATOR_SCORE, 0.75, "POL-INT-04"),
            ),
        ),
        Benchmark(
            key="justice_functioning",
            institution="judiciary",
            statement={
                "en": "Courts and prosecution function in every region and legal aid is "
                "available to those who cannot pay.",
                "fr": "Les juridictions et le parquet fonctionnent dans chaque région et "
                "l'aide juridictionnelle est accessible à ceux qui ne peuvent pas payer.",
            },
            conditions=(
                _c("judiciary_performance", K.DIMENSION_SCORE, 0.55, "judiciary/performance"),
                _c("legal_aid_law", K.INDICATOR_SCORE, 0.75, "JUD-VUL-04"),
            ),
        ),
        Benchmark(
            key="prisons_humane",
            institution="corrections",
            statement={
                "en": "Prisons are run humanely and securely under civilian administration.",
                "fr": "Les prisons sont administrées de manière humaine et sûre sous une "
                "autorité civile.",
            },
            conditions=(
                _c("corrections_integrity", K.DIMENSION_SCORE, 0.55, "corrections/integrity"),
                _c("corrections_capacity", K.DIMENSION_SCORE, 0.5, "corrections/capacity"),
            ),
        ),
        Benchmark(
            key="violence_contained",
            statement={
                "en": "The risk of large-scale violence in Carana is low and stays low.",
                "fr": "Le risque de violences de grande ampleur au Carana est faible et le reste.",
            },
            conditions=(_c("country_risk", K.FORECAST_RISK, 0.3, months=6, ceiling=True),),
        ),
        Benchmark(
            key="support_funded",
            statement={
                "en": "The weaknesses the assessments measured are addressed by funded programmes.",
                "fr": "Les faiblesses mesurées par les évaluations sont prises en charge par "
                "des programmes financés.",
            },
            conditions=(_c("gaps_funded", K.GAPS_FUNDED, 0.8),),
        ),
        Benchmark(
            key="mission_footprint",
            statement={
                "en": "UNMICA's bases are handed over to national authorities or closed.",
                "fr": "Les bases de la MINUCA sont remises aux autorités nationales ou fermées.",
            },
            conditions=(_c("bases_handed_over", K.SITES_HANDED_OVER, 0.9, "UNMICA"),),
        ),
    )
    regional = tuple(
        Benchmark(
            key=f"region_{r.pcode.lower()}",
            area=r.pcode,
            statement={
                "en": f"Security in {r.name} region is handed over to national forces.",
                "fr": f"La sécurité de la région de {r.name} est transférée aux forces nationales.",
            },
            conditions=(
                _c(
                    f"risk_{r.pcode.lower()}",
                    K.FORECAST_RISK,
                    0.3,
                    months=3,
                    ceiling=True,
                ),
                _c(f"bases_{r.pcode.lower()}", K.SITES_HANDED_OVER, 1.0, "UNMICA"),
            ),
        )
        for r in sorted(regions, key=lambda a: a.pcode)
    )
    return BenchmarkSet(
        code="unmica_transition",
        version="2025.1",
        title={
            "en": "UNMICA transition benchmarks",
            "fr": "Critères de référence pour la transition de la MINUCA",
        },
        benchmarks=national + regional,
        target_date=TARGET,
        status=SetStatus.DRAFT,
        country_iso3=iso3,
    )
