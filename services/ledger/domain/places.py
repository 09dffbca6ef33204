"""Where a problem is: official statistical division codes (统计用区划代码).

Codes nest by prefix: province 2 digits, city 4, county 6, town 9, village 12. The domain checks
shape and nesting only; whether a code exists is the adapters' job (they hold the code table).
"""

from __future__ import annotations

from dataclasses import dataclass

from .errors import Invalid

AREA_CODE_LENGTHS = (2, 4, 6, 9, 12)


def check_code(code: str, length: int, what: str) -> None:
    if len(code) != length or not code.isdigit():
        raise Invalid("bad_area_code", f"{what} code must be {length} digits, got {code!r}")


def check_area_code(code: str) -> None:
    """An area filter may be any level: province, city, county, town or village."""
    if not code.isdigit() or len(code) not in AREA_CODE_LENGTHS:
        raise Invalid("bad_area_code", f"area code must be 2/4/6/9/12 digits, got {code!r}")


@dataclass(frozen=True, slots=True, kw_only=True)
class Place:
    """A problem's place: county (县区), town (乡镇街道), and village (村社区) when known."""

    county_code: str
    town_code: str
    village_code: str | None = None

    def __post_init__(self) -> None:
        check_code(self.county_code, 6, "county")
        check_code(self.town_code, 9, "town")
        if not self.town_code.startswith(self.county_code):
            raise Invalid("bad_area_code", f"town {self.town_code} is not in {self.county_code}")
        if self.village_code is not None:
            check_code(self.village_code, 12, "village")
            if not self.village_code.startswith(self.town_code):
                raise Invalid(
                    "bad_area_code", f"village {self.village_code} is not in {self.town_code}"
                )

    @classmethod
    def of_town(cls, town_code: str, village_code: str | None = None) -> Place:
        return cls(county_code=town_code[:6], town_code=town_code, village_code=village_code)

    @property
    def city_code(self) -> str:
        return self.county_code[:4]

    @property
    def finest_code(self) -> str:
        return self.village_code or self.town_code

    def within(self, area_code: str) -> bool:
        """True when this place lies in the area (any level, by code prefix)."""
        return self.finest_code.startswith(area_code)

    def child_of(self, area_code: str) -> str:
        """The code one level below `area_code` that contains this place (for statement rows).

        A problem registered at town level (no village) under a town statement reports as the
        town itself (镇本级).
        """
        finer = {2: 4, 4: 6, 6: 9, 9: 12}.get(len(area_code))
        if finer is None:
            return self.finest_code
        return self.finest_code[:finer] if len(self.finest_code) >= finer else self.finest_code
