//! Synthetic Vietnamese names for the people of a scenario. Only people the press reports name
//! carry their real names; everyone else gets a name built from common parts.

const FAMILY: &[&str] = &[
    "Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi", "Đỗ", "Ngô", "Dương", "Phan",
];
const MIDDLE_MALE: &[&str] = &["Văn", "Đình", "Đức", "Minh", "Quang", "Hữu", "Xuân", "Tiến"];
const MIDDLE_FEMALE: &[&str] = &["Thị", "Thu", "Thanh", "Ngọc", "Thị Thu", "Hồng"];
const GIVEN_MALE: &[&str] = &[
    "Hùng", "Dũng", "Tuấn", "Hải", "Nam", "Sơn", "Cường", "Thắng", "Bình", "Khánh", "Trung",
    "Phong", "Thành", "Quân", "Việt", "Hưng",
];
const GIVEN_FEMALE: &[&str] = &[
    "Lan", "Hương", "Mai", "Hoa", "Hạnh", "Dung", "Thảo", "Yến", "Nga", "Huyền", "Trang",
];

/// A name for person number `n` of the given gender, stable across runs.
pub fn synthetic(n: usize, female: bool) -> String {
    let family = FAMILY[(n * 7 + 3) % FAMILY.len()];
    let (middle, given) = if female {
        (
            MIDDLE_FEMALE[(n * 5 + 1) % MIDDLE_FEMALE.len()],
            GIVEN_FEMALE[(n * 3 + 2) % GIVEN_FEMALE.len()],
        )
    } else {
        (
            MIDDLE_MALE[(n * 5 + 1) % MIDDLE_MALE.len()],
            GIVEN_MALE[(n * 11 + 4) % GIVEN_MALE.len()],
        )
    };
    format!("{family} {middle} {given}")
}
