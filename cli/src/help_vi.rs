//! The Vietnamese help of every command and argument of the command line, in one table: the
//! English is the doc comments (`///`) on the clap structs; `localize` puts the two together
//! as `--lang` asks.
//!
//! A key is a command's path (`""` for the tool itself, `verify`, `key generate`) or an
//! argument's: its command's path, a colon, the argument's id (`verify:ledger`; the global
//! arguments under the tool, `:lang`). A text's first paragraph is the summary (`-h`, the list
//! of commands); the whole text, when it has more than one, is the long help (`--help`).

/// The help in Vietnamese of the command or argument at `key`.
pub fn get(key: &str) -> Option<&'static str> {
    HELP.iter().find(|(k, _)| *k == key).map(|(_, v)| *v)
}

pub const HELP: &[(&str, &str)] = &[
    ("", "Sổ cái đại hội Đảng: bản ghi không thể sửa lén về thủ tục đại hội Đảng"),
    (":lang", "Ngôn ngữ của thông báo: vi (tiếng Việt), en (tiếng Anh) hoặc both (cả hai, mặc định; biến `LANG=vi…`/`en…` chọn một)"),
    (":token", "Mã đọc cho máy chủ không công khai (cấp bằng `access grant`)"),
    ("key", "Khóa Ed25519: tạo khóa, xem khóa"),
    ("key generate", "Tạo một khóa mới vào tệp FILE (quyền 0600); in khóa công khai dạng hex"),
    ("key generate:out", "Tệp khóa cần tạo (tệp mới)"),
    ("key generate:algorithm", "`ed25519` (khóa của sổ, của người ký và của nhân chứng) hoặc `ml-dsa-44` (FIPS 204: khóa đồng ký hậu lượng tử, cho nhân chứng hoặc cho sổ, đặt tại `<ledger>/log-ml-dsa-44.key`)"),
    ("key generate:json", "In kết quả dạng JSON thay cho văn bản"),
    ("key show", "Xem khóa công khai của một tệp khóa (hex) và, với --name, dạng khóa kiểm chứng (với khóa ML-DSA-44: dạng khóa đồng ký, kiểu 0x06, mà `--witness` nhận)"),
    ("key show:file", "Tệp khóa"),
    ("key show:name", "Tên khóa cho dạng khóa kiểm chứng (tên khóa của sổ là nguồn gốc — origin — của sổ cái)"),
    ("key show:json", "In kết quả dạng JSON thay cho văn bản"),
    ("key rotate-log", "Thay khóa của sổ cái (bị mất, bị lộ hay đơn giản là đã cũ): tạo một khóa sổ Ed25519 mới, giữ khóa bí mật ở `<ledger>/log-keys/<khóa công khai>.key`, ghi hành vi `log_key.rotated` do khóa cơ quan có thẩm quyền ký, rồi ký một điểm kiểm sau hành vi ấy. Điểm kiểm đó và mọi điểm kiểm sau được ký bằng khóa mới, và cả bằng khóa cũ chừng nào khóa bí mật cũ còn trong thư mục (xóa `log.key` để thôi ký bằng nó). Chạy khi máy chủ đã dừng"),
    ("key rotate-log:ledger", "Thư mục của sổ cái (máy chủ đã dừng)"),
    ("key rotate-log:authority_key", "Một khóa cơ quan có thẩm quyền của sổ cái (dòng `ledger`)"),
    ("key rotate-log:reason", "Lý do thay khóa (được ghi vào hành vi; mặc định là \"thay khóa sổ cái định kỳ\", bằng tiếng Việt và tiếng Anh)"),
    ("key rotate-log:json", "In kết quả dạng JSON thay cho văn bản"),
    ("init", "Tạo một sổ cái và ghi sự kiện khởi tạo của nó (`ledger.created`)"),
    ("init:ledger", "Thư mục của sổ cái mới (mới hoặc rỗng)"),
    ("init:origin", "Nguồn gốc (origin) của sổ cái, ví dụ `ledger.tinhuy-haiduong.vn/2020-2025`"),
    ("init:title", "Tên gọi của sổ cái, ghi trong sự kiện khởi tạo"),
    ("init:authority_key", "Tệp khóa của cơ quan có thẩm quyền ký `ledger.created`"),
    ("init:log_key", "Tệp khóa của sổ, dùng để ký các điểm kiểm (được sao vào thư mục sổ cái)"),
    ("init:rulebook", "Mã quy chế, ví dụ `qd190-2024`"),
    ("init:json", "In kết quả dạng JSON thay cho văn bản"),
    ("append", "Ký một sự kiện tại chỗ (tự tra phiên bản kế tiếp và mã băm trước) rồi ghi vào sổ"),
    ("append:ledger", "Thư mục sổ cái tại máy này"),
    ("append:server", "Ghi qua HTTP API của một máy chủ thay vì thư mục (`http://127.0.0.1:8080`)"),
    ("append:key", "Tệp khóa của người ký"),
    ("append:stream", "Luồng, ví dụ `congress/hd.tp-haiduong/2020-2025`"),
    ("append:kind", "Loại sự kiện, ví dụ `session.opened`"),
    ("append:schema", "Phiên bản lược đồ của nội dung; mặc định: bản mới nhất của loại đó (`congress-ledger kinds`)"),
    ("append:time", "Thời điểm hành vi diễn ra, theo RFC 3339 (`2020-06-05T08:00:00+07:00`); mặc định: bây giờ"),
    ("append:payload", "Nội dung: một tệp chứa một đối tượng JSON, hoặc `-` để đọc từ đầu vào chuẩn"),
    ("append:batch", "Nhiều sự kiện, mỗi dòng một đối tượng JSON: `{\"key\": path, \"stream\", \"kind\", \"schema\"?, \"time\", \"payload\": {…}}`. Đường dẫn tệp khóa tính từ thư mục của tệp lô. Dừng ở dòng đầu tiên bị từ chối và nêu dòng đó; mọi dòng trước đó được giữ"),
    ("append:out", "Ký sự kiện và ghi các byte của nó vào tệp mới này thay vì ghi vào sổ (để gửi sau, ví dụ `POST /v1/events`)"),
    ("append:json", "In kết quả dạng JSON thay cho văn bản"),
    ("verify", "Xác minh một sổ cái: toàn vẹn (khung, mã hóa, chữ ký, chuỗi, điểm kiểm) và thẩm quyền (ai được ký gì)"),
    ("verify:ledger", "Thư mục của một sổ cái đang hoạt động"),
    ("verify:tiles", "Sổ đã công bố dạng ô (`publish`): một thư mục, `s3://bucket/prefix` hoặc một địa chỉ `http(s)://` (của kho lưu trữ, hoặc `/tlog` của máy chủ); cần --log-key"),
    ("verify:cache", "Nơi giữ các ô đã tải về (mặc định: trong ~/.cache/congress-ledger/tiles/)"),
    ("verify:archive", "Một hồ sơ lưu trữ (do `export` tạo); cần --log-key"),
    ("verify:tsa_ca", "Chứng thư CA (PEM) của các tổ chức cấp dấu thời gian (TSA) mà bạn tin cậy: khi có, dấu thời gian trên điểm kiểm của hồ sơ và bản ghi chứng cứ được kiểm tra, và từng mắt xích được báo cáo"),
    ("verify:algorithms", "Bảng hiệu lực của các thuật toán băm dùng để đánh giá bản ghi chứng cứ (mặc định: tệp algorithms.json đi kèm, theo ETSI TS 119 312)"),
    ("verify:log_key", "Khóa kiểm chứng của sổ (`tên+mã-khóa+base64`), lấy từ một nguồn bạn tin cậy, không lấy từ hồ sơ lưu trữ"),
    ("verify:strict", "Kiểm từng chữ ký riêng rẽ theo cách nghiêm ngặt (chậm hơn; là câu trả lời chuẩn trong mọi trường hợp biên) thay vì kiểm theo lô"),
    ("verify:witnesses", "Khóa của một nhân chứng tin cậy (`tên+mã-khóa+base64`); lặp lại cho nhiều nhân chứng. Khi đó một điểm kiểm chỉ được tính nếu có đủ số chữ ký đồng ký theo --quorum, và việc xác minh không đạt nếu thiếu"),
    ("verify:quorum", "Số nhân chứng tối thiểu phải đồng ký (mặc định: tất cả nhân chứng đã nêu)"),
    ("verify:fail_on", "Thoát với mã 3 khi có một phát hiện ở mức nghiêm trọng này hoặc nặng hơn"),
    ("verify:json", "In kết quả dạng JSON thay cho văn bản"),
    ("export", "Ghi hồ sơ lưu trữ (BagIt 1.0) của một sổ cái: các mục, điểm kiểm, lược đồ, quy chế, tài liệu đính kèm và bản mô tả định dạng"),
    ("export:ledger", "Thư mục sổ cái"),
    ("export:out", "Nơi ghi hồ sơ lưu trữ (một thư mục mới)"),
    ("export:tsas", "Niêm phong hồ sơ bằng một bản ghi chứng cứ (`data/evidence.ers`, RFC 4998) có dấu thời gian của tổ chức cấp dấu thời gian này (địa chỉ URL theo RFC 3161); lặp lại để có tổ chức dự phòng, được hỏi lần lượt"),
    ("export:json", "In kết quả dạng JSON thay cho văn bản"),
    ("archive", "Bằng chứng dài hạn cho hồ sơ lưu trữ: gia hạn bản ghi chứng cứ (RFC 4998) trước khi dấu thời gian hay thuật toán băm của nó hết tin cậy"),
    ("archive renew", "Gia hạn bản ghi chứng cứ của hồ sơ: một dấu thời gian mới trên dấu cuối cùng (trước khi chứng thư của TSA hết hạn), hoặc với --hash, một cây băm mới (trước khi thuật toán băm hết được tin cậy). Chỉ data/evidence.ers và các tệp thẻ thay đổi"),
    ("archive renew:bag", "Hồ sơ lưu trữ"),
    ("archive renew:tsas", "Địa chỉ URL của tổ chức cấp dấu thời gian (RFC 3161); lặp lại để có tổ chức dự phòng, được hỏi lần lượt"),
    ("archive renew:hash", "Gia hạn bằng một cây băm mới với thuật toán này (không yếu hơn thuật toán của bản ghi): băm lại nội dung hồ sơ và bản ghi cho tới nay"),
    ("archive renew:tsa_ca", "Chứng thư CA (PEM) của các TSA mà bạn tin cậy: bản ghi được kiểm tra trước và sau khi gia hạn"),
    ("archive renew:algorithms", "Bảng thuật toán dùng để đánh giá (mặc định: tệp algorithms.json đi kèm)"),
    ("archive renew:json", "In kết quả dạng JSON thay cho văn bản"),
    ("archive seal", "Niêm phong một hồ sơ chưa có bản ghi chứng cứ (như `export --tsa`): cây băm SHA-256 của các tệp nội dung, có dấu thời gian của TSA"),
    ("archive seal:bag", "Hồ sơ lưu trữ"),
    ("archive seal:tsas", "Địa chỉ URL của tổ chức cấp dấu thời gian (RFC 3161); lặp lại để có tổ chức dự phòng, được hỏi lần lượt"),
    ("timestamp", "Xin dấu thời gian (RFC 3161) cho điểm kiểm mới nhất và lưu cạnh điểm kiểm đó (`serve --tsa` làm việc này cho mọi điểm kiểm mới)"),
    ("timestamp:ledger", "Thư mục sổ cái"),
    ("timestamp:tsas", "Địa chỉ URL của một tổ chức cấp dấu thời gian (RFC 3161 qua HTTP); lặp lại cho nhiều tổ chức"),
    ("timestamp:json", "In kết quả dạng JSON thay cho văn bản"),
    ("import", "Đưa một hồ sơ lưu trữ trở lại thành sổ cái đang hoạt động (sau khi xác minh); không có khóa ký thì đó là bản sao chỉ đọc"),
    ("import:archive", "Hồ sơ lưu trữ cần đưa trở lại"),
    ("import:ledger", "Nơi tạo sổ cái (một thư mục mới hoặc rỗng)"),
    ("import:log_key", "Khóa kiểm chứng của sổ, lấy từ một nguồn bạn tin cậy; không có khóa này, hồ sơ chỉ được đối chiếu với khóa mà chính nó ghi, nên chỉ chứng minh được là nó nhất quán"),
    ("import:signing_key", "Tệp khóa ký của sổ: có khóa này thì sổ cái được nhập có thể ghi tiếp; không có thì đó là bản sao chỉ đọc"),
    ("import:json", "In kết quả dạng JSON thay cho văn bản"),
    ("report", "Phép chiếu và phát hiện: một đại hội, sổ theo dõi đơn thư, tiến độ của các đơn vị trực thuộc một tổ chức"),
    ("report:ledger", "Thư mục của một sổ cái đang hoạt động"),
    ("report:archive", "Một hồ sơ lưu trữ (do `export` tạo): được xác minh theo --log-key rồi mới báo cáo"),
    ("report:server", "Một máy chủ (`http://127.0.0.1:8080`): sổ của nó được sao về và xác minh theo --log-key (như `monitor --once`) rồi mới báo cáo; không cần tin máy chủ"),
    ("report:log_key", "Khóa kiểm chứng của sổ, lấy từ một nguồn bạn tin cậy, cho --archive và --server"),
    ("report:stream", "Một luồng: `congress/<tổ-chức>/<nhiệm-kỳ>` hoặc `complaint/<vụ-việc>`"),
    ("report:org", "Tiến độ của các đơn vị trực thuộc ngay tổ chức này"),
    ("report:term", "Đi với --org: chỉ các đại hội của nhiệm kỳ này (ví dụ 2020-2025)"),
    ("report:as_of", "Các thời hạn được xét tính đến hết ngày này (YYYY-MM-DD); mặc định: hôm nay"),
    ("report:state", "Với sổ theo dõi đơn thư: chỉ các vụ việc ở trạng thái này (open, received, assigned, dismissed, concluded, reopened)"),
    ("report:json", "In kết quả dạng JSON thay cho văn bản"),
    ("checkpoint", "In điểm kiểm đã ký mới nhất (ký một điểm kiểm mới trước, nếu sổ đã dài thêm)"),
    ("checkpoint:ledger", "Thư mục sổ cái"),
    ("checkpoint:json", "In kết quả dạng JSON thay cho văn bản"),
    ("proof", "Chứng minh bao hàm và chứng minh nhất quán"),
    ("proof inclusion", "Chứng minh bao hàm của mục ở vị trí POSITION trong cây gồm SIZE mục (mặc định: tất cả)"),
    ("proof inclusion:ledger", "Thư mục sổ cái"),
    ("proof inclusion:position", "Vị trí của mục trong sổ (tính từ 0)"),
    ("proof inclusion:size", "Cỡ cây: số mục của cây mà chứng minh dựa vào (mặc định: tất cả)"),
    ("proof inclusion:json", "In kết quả dạng JSON thay cho văn bản"),
    ("proof export", "Chứng minh tự đủ của một hành vi (mục của nó, chứng minh bao hàm, điểm kiểm đã ký và sổ đăng ký thẩm quyền trước đó), để đính kèm vào một đơn thư hay một báo cáo"),
    ("proof export:ledger", "Thư mục sổ cái"),
    ("proof export:server", "Hỏi máy chủ này để lấy chứng minh (`http://127.0.0.1:8080`)"),
    ("proof export:tiles", "Đọc chứng minh từ sổ đã công bố dạng ô (một thư mục, `s3://bucket/prefix`, `http(s)://…`), đối chiếu theo --log-key"),
    ("proof export:log_key", "Khóa kiểm chứng của sổ, cho --tiles"),
    ("proof export:cache", "Nơi giữ các ô đã tải về, cho --tiles"),
    ("proof export:event", "Mã băm sự kiện của hành vi"),
    ("proof export:position", "Vị trí của hành vi trong sổ (thay cho mã băm)"),
    ("proof export:out", "Nơi ghi chứng minh (một tệp JSON mới)"),
    ("proof export:disclose", "Công khai trường bảo mật này (giá trị và muối) kèm theo chứng minh, cho người có quyền biết: `complainant.name`, `complainant.contact`, `summary`, `document_sha256`. Lặp lại cho nhiều trường; cần --openings"),
    ("proof export:receipt", "Giấy biên nhận cho người gửi đơn: công khai các trường danh tính của chính họ. Cần --openings"),
    ("proof export:openings", "Dữ liệu mở cam kết của vụ việc (giá trị và muối, JSON): tệp mà `confidential receive` đã ghi, hoặc phần `values` của `confidential show --json`"),
    ("proof verify", "Kiểm chứng minh của một hành vi chỉ với khóa kiểm chứng của sổ"),
    ("proof verify:file", "Tệp chứng minh (do `proof export` tạo)"),
    ("proof verify:log_key", "Khóa kiểm chứng của sổ, lấy từ một nguồn bạn tin cậy"),
    ("proof verify:witnesses", "Khóa của một nhân chứng tin cậy (`tên+mã-khóa+base64`); lặp lại cho nhiều nhân chứng"),
    ("proof verify:quorum", "Số nhân chứng tối thiểu phải đồng ký điểm kiểm (mặc định: tất cả nhân chứng đã nêu)"),
    ("proof verify:json", "In kết quả dạng JSON thay cho văn bản"),
    ("proof consistency", "Chứng minh nhất quán từ cây gồm OLD mục tới cây gồm NEW mục (mặc định: tất cả)"),
    ("proof consistency:ledger", "Thư mục sổ cái"),
    ("proof consistency:old", "Cỡ cũ: số mục của cây trước"),
    ("proof consistency:new", "Cỡ mới: số mục của cây sau (mặc định: tất cả)"),
    ("proof consistency:json", "In kết quả dạng JSON thay cho văn bản"),
    ("witness", "Nhân chứng: bảo đảm cho những điểm kiểm mà sổ không thể rút lại (C2SP tlog-cosignature)"),
    ("witness key", "In khóa nhân chứng để công bố (`tên+mã-khóa+base64`, kiểu chữ ký 0x04 với tệp khóa Ed25519, 0x06 với tệp khóa ML-DSA-44), mà người đọc đưa vào `--witness`"),
    ("witness key:key", "Tệp khóa của nhân chứng (do `key generate` tạo)"),
    ("witness key:name", "Tên của nhân chứng, ví dụ `ubkt.tinhuy-haiduong.vn`"),
    ("witness cosign", "Đối chiếu một điểm kiểm với điểm kiểm cuối cùng mà nhân chứng này đã đồng ký (chữ ký của nó, và chứng minh nhất quán từ cỡ đó), ghi nhận nó, rồi ghi điểm kiểm kèm chữ ký đồng ký"),
    ("witness cosign:server", "Lấy điểm kiểm mới nhất và chứng minh nhất quán từ máy chủ này"),
    ("witness cosign:checkpoint", "Điểm kiểm đã ký (như `congress-ledger checkpoint` in ra)"),
    ("witness cosign:consistency", "Chứng minh nhất quán từ cỡ mà nhân chứng đang giữ tới cỡ của điểm kiểm (`congress-ledger proof consistency --old N --json`); lần đầu không cần"),
    ("witness cosign:log_key", "Khóa kiểm chứng của sổ, lấy từ một nguồn bạn tin cậy"),
    ("witness cosign:key", "Tệp khóa của nhân chứng"),
    ("witness cosign:name", "Tên của nhân chứng"),
    ("witness cosign:state", "Nơi nhân chứng giữ những gì đã đồng ký (mỗi sổ một tệp)"),
    ("witness cosign:out", "Ghi điểm kiểm đã đồng ký vào đây (một tệp mới) thay vì ra đầu ra chuẩn"),
    ("witness serve", "Chạy nhân chứng như một dịch vụ (C2SP tlog-witness: `POST /add-checkpoint`), để các sổ cái chạy với `serve --push-witness URL` gửi từng điểm kiểm tới"),
    ("witness serve:addr", "Địa chỉ lắng nghe; cổng 0 để tự chọn một cổng trống (in ra khi khởi động)"),
    ("witness serve:log_keys", "Khóa kiểm chứng của từng sổ mà nhân chứng này theo dõi; lặp lại cho nhiều sổ"),
    ("witness serve:key", "Tệp khóa của nhân chứng"),
    ("witness serve:name", "Tên của nhân chứng"),
    ("witness serve:state", "Nơi nhân chứng giữ những gì đã đồng ký (mỗi sổ một tệp)"),
    ("monitor", "Theo dõi sổ của một máy chủ: xác minh từng mục và từng điểm kiểm khi chúng đến, giữ một bản sao đã xác minh, báo các phát hiện; thoát với mã 1 khi toàn vẹn không đạt hoặc sổ rẽ nhánh"),
    ("monitor:server", "Máy chủ cần theo dõi"),
    ("monitor:tiles", "Theo dõi sổ đã công bố dạng ô thay vì máy chủ (một thư mục, `s3://bucket/prefix`, `http(s)://…`): điểm kiểm được hỏi định kỳ, mục mới đọc từ các gói, chứng minh nhất quán từ các ô băm"),
    ("monitor:cache", "Nơi giữ các ô đã tải về, cho --tiles"),
    ("monitor:log_key", "Khóa kiểm chứng của sổ, lấy từ một nguồn bạn tin cậy (không lấy từ máy chủ)"),
    ("monitor:mirror", "Giữ một bản sao đã xác minh tại đây (thư mục mới, hoặc bản sao mà lệnh này đã tạo trước: nó được xác minh lại rồi theo dõi tiếp). `serve --ledger DIR` phục vụ bản sao ở chế độ chỉ đọc"),
    ("monitor:witnesses", "Khóa của một nhân chứng tin cậy; lặp lại cho nhiều nhân chứng. Điểm kiểm không có đủ chữ ký đồng ký theo --quorum sẽ được báo"),
    ("monitor:quorum", "Số nhân chứng tối thiểu phải đồng ký mỗi điểm kiểm (mặc định: tất cả nhân chứng đã nêu)"),
    ("monitor:interval", "Số giây giữa hai lần kiểm tra điểm kiểm"),
    ("monitor:once", "Dừng khi đã theo kịp điểm kiểm của máy chủ và đã xác minh (cho kịch bản và cron)"),
    ("monitor:json", "Mỗi dòng một đối tượng JSON: các cảnh báo, và tiến độ sau mỗi lần kiểm tra điểm kiểm"),
    ("serve", "Phục vụ HTTP API trên một sổ cái"),
    ("serve:ledger", "Thư mục sổ cái"),
    ("serve:addr", "Địa chỉ lắng nghe; cổng 0 để tự chọn một cổng trống (in ra khi khởi động)"),
    ("serve:witnesses", "Một nhân chứng mà máy chủ nhận chữ ký đồng ký và phục vụ chúng kèm điểm kiểm (`tên+mã-khóa+base64`, lấy từ `witness key`); lặp lại cho nhiều nhân chứng"),
    ("serve:push", "Một dịch vụ nhân chứng (`witness serve`, hoặc bất kỳ C2SP tlog-witness nào) để gửi tới từng điểm kiểm mới; khóa của nó cũng phải được nêu bằng --witness. Lặp lại cho nhiều dịch vụ"),
    ("serve:tsas", "Một tổ chức cấp dấu thời gian (URL theo RFC 3161) để xin dấu thời gian cho từng điểm kiểm mới, chạy nền (việc ghi sổ không bao giờ phải chờ; lỗi được thử lại và hiện ở /healthz). Lặp lại cho nhiều tổ chức"),
    ("serve:checkpoint_interval_ms", "Khoảng cách giữa hai lần ký điểm kiểm khi đang có sự kiện được ghi, tính bằng mili giây: bên theo dõi và nhân chứng thấy sổ dài thêm theo nhịp này"),
    ("serve:publish", "Giữ một thư mục hoặc một kho lưu trữ (`s3://bucket/prefix`) luôn cập nhật theo sổ dưới dạng tlog-tiles, công bố từng điểm kiểm mới (xem `publish`)"),
    ("serve:public", "Phục vụ sổ cho bất kỳ ai, không cần mã đọc. Các mục chỉ chứa cam kết, không bao giờ chứa giá trị bảo mật; kho bảo mật vẫn cần mã đọc của ủy ban kiểm tra"),
    ("serve:tls_cert", "Phục vụ HTTPS với chuỗi chứng thư này (PEM), để trình duyệt truy cập máy chủ theo tên có ngữ cảnh an toàn cho việc xác minh ngay trong trình duyệt của trang tra cứu. Cần --tls-key"),
    ("serve:tls_key", "Khóa bí mật (PEM) của --tls-cert"),
    ("serve:max_subscribers", "Số đăng ký theo dõi (`/v1/subscribe`) mở cùng lúc; đăng ký vượt quá được trả lời 503 kèm Retry-After"),
    ("serve:max_connections", "Số kết nối được phục vụ cùng lúc (mặc định: số đăng ký theo dõi cộng 1024 cho các yêu cầu khác); kết nối vượt quá được trả lời 503 rồi đóng"),
    ("serve:header_read_timeout", "Số giây một kết nối được dành để gửi xong phần đầu yêu cầu, quá thời gian thì bị đóng"),
    ("publish", "Công bố sổ dưới dạng C2SP tlog-tiles (điểm kiểm, các ô băm, các gói mục, tài liệu) vào một thư mục hoặc một kho lưu trữ tương thích S3, cho người đọc không cần máy chủ"),
    ("publish:ledger", "Thư mục sổ cái"),
    ("publish:to", "Nơi công bố: một thư mục, hoặc `s3://bucket/prefix`"),
    ("publish:json", "In kết quả dạng JSON thay cho văn bản"),
    ("attach", "Lưu một tài liệu theo mã SHA-256 của nó và ghi sự kiện `document.attached` cho tài liệu đó"),
    ("attach:ledger", "Thư mục sổ cái"),
    ("attach:key", "Tệp khóa của người ký (bất kỳ vai trò nào được ghi danh cho luồng đều được đính kèm)"),
    ("attach:stream", "Luồng mà tài liệu thuộc về, ví dụ `congress/hd.tp-haiduong/2020-2025`"),
    ("attach:file", "Tài liệu"),
    ("attach:title", "Tên của tài liệu, ghi trong sự kiện"),
    ("attach:media_type", "Kiểu nội dung (media type) của tài liệu; mặc định: theo phần mở rộng của tên tệp"),
    ("attach:time", "Thời điểm đính kèm, theo RFC 3339; mặc định: bây giờ"),
    ("attach:json", "In kết quả dạng JSON thay cho văn bản"),
    ("completions", "Mã tự hoàn thành lệnh cho shell (bash, zsh, fish, elvish, powershell), ra đầu ra chuẩn"),
    ("completions:shell", "Shell cần mã tự hoàn thành"),
    ("man", "Trang hướng dẫn (roff) ra đầu ra chuẩn: `congress-ledger man > congress-ledger.1`; `man verify` cho trang của một lệnh con; `--out-dir DIR` ghi mọi trang mà nó liệt kê"),
    ("man:command", "Lệnh con cần in trang hướng dẫn (`verify`, `key generate`, …)"),
    ("man:out_dir", "Ghi mọi trang hướng dẫn vào thư mục này"),
    ("kinds", "Mọi loại hành vi: lược đồ mới nhất, họ luồng, ai được ký"),
    ("kinds:json", "In kết quả dạng JSON thay cho văn bản"),
    ("roles", "Mọi vai trò mà một khóa có thể được ghi danh, và các loại hành vi mỗi vai trò được ký"),
    ("schema", "Lược đồ JSON của một loại, hoặc một nội dung mẫu để điền (`schema show KIND --example`)"),
    ("schema show", "Lược đồ JSON của một loại (bản mới nhất, trừ khi có --version), hoặc với --example, một nội dung khớp lược đồ để sao và điền vào"),
    ("schema show:kind", "Loại hành vi, ví dụ `session.opened`"),
    ("schema show:version", "Phiên bản lược đồ (mặc định: bản mới nhất)"),
    ("schema show:example", "In một nội dung mẫu khớp lược đồ thay cho chính lược đồ"),
    ("rulebook", "Các quy tắc và tham số của một quy chế, kèm nguồn và độ tin cậy"),
    ("rulebook show", "Các quy tắc (mức độ, trích dẫn) và tham số (giá trị, nguồn, độ tin cậy) của một quy chế"),
    ("rulebook show:id", "Mã quy chế, ví dụ `qd190-2024`"),
    ("rulebook show:json", "In kết quả dạng JSON thay cho văn bản"),
    ("access", "Quyền đọc (mã đọc lưu dạng băm cạnh sổ cái) và nhật ký truy cập các lần đọc thông tin bảo mật"),
    ("access grant", "Cấp một mã đọc: in ra một lần, chỉ lưu mã băm cạnh sổ cái. Vai trò: member (đọc sổ), registrar (thêm quyền lưu giá trị bảo mật và đơn thư), inspection (thêm quyền đọc chúng và nhật ký truy cập)"),
    ("access grant:ledger", "Thư mục sổ cái"),
    ("access grant:holder", "Người giữ mã: `Ủy ban Kiểm tra Tỉnh ủy`, một cá nhân, một dịch vụ"),
    ("access grant:role", "Vai trò của mã đọc"),
    ("access grant:json", "In kết quả dạng JSON thay cho văn bản"),
    ("access revoke", "Thu hồi một quyền theo mã của nó: mã đọc hết hiệu lực ngay, kể cả trên máy chủ đang chạy"),
    ("access revoke:ledger", "Thư mục sổ cái"),
    ("access revoke:id", "Mã của quyền cần thu hồi (như `access list` in ra)"),
    ("access list", "Mọi quyền đã cấp, kể cả quyền đã thu hồi (không bao giờ in mã đọc)"),
    ("access list:ledger", "Thư mục sổ cái"),
    ("access list:json", "In kết quả dạng JSON thay cho văn bản"),
    ("access log", "Xác minh chuỗi của nhật ký truy cập và liệt kê mọi lần đọc thông tin bảo mật (ai, khi nào, vụ việc và hành vi nào, vì sao). Thoát với mã 1 nếu chuỗi bị đứt"),
    ("access log:ledger", "Thư mục sổ cái (nhật ký nằm cạnh nó)"),
    ("access log:server", "Hoặc hỏi máy chủ này (với --token của ủy ban kiểm tra), câu trả lời được kiểm lại tại đây"),
    ("access log:json", "In kết quả dạng JSON thay cho văn bản"),
    ("confidential", "Kho bảo mật: danh tính người gửi đơn và đơn thư, ở dạng cam kết trong sổ và giá trị chỉ ủy ban kiểm tra đọc được"),
    ("confidential keygen", "Tạo cặp khóa của ủy ban kiểm tra (age X25519): khóa bí mật ghi vào OUT (quyền 0600, do ủy ban giữ, không bao giờ để trên máy chủ), khóa nhận (age1…) được in ra, dùng cho `confidential init`"),
    ("confidential keygen:out", "Tệp khóa bí mật cần tạo (tệp mới)"),
    ("confidential init", "Đặt các khóa nhận (age1…) của ủy ban cho kho bảo mật của một sổ cái: khóa của mỗi vụ việc mới được bọc cho họ"),
    ("confidential init:ledger", "Thư mục sổ cái"),
    ("confidential init:recipients", "Khóa nhận của ủy ban kiểm tra (age1…), do `confidential keygen` in ra; nêu nhiều khóa nếu cần"),
    ("confidential receive", "Ghi nhận một đơn thư nhận được: các trường bảo mật (họ tên và liên hệ của người gửi, tóm tắt, mã băm của đơn) được cam kết dưới muối mới, hành vi được ký và ghi vào sổ, giá trị và đơn được lưu vào kho bảo mật, và dữ liệu mở cam kết được ghi vào --openings-out (cho giấy biên nhận của người gửi: `proof export --receipt`)"),
    ("confidential receive:ledger", "Thư mục sổ cái (không có máy chủ nào đang chạy trên nó)"),
    ("confidential receive:server", "Máy chủ (`http://127.0.0.1:8080`); xác thực bằng --token"),
    ("confidential receive:key", "Khóa ký (registrar hoặc inspection)"),
    ("confidential receive:payload", "Nội dung theo lược đồ 3 của `complaint.received`, với các trường bảo mật ở dạng rõ (`complainant.name`, `complainant.contact`, `summary`)"),
    ("confidential receive:letter", "Chính lá đơn: được lưu mã hóa, mã băm của nó được cam kết"),
    ("confidential receive:time", "Thời điểm của hành vi (RFC 3339); mặc định: bây giờ"),
    ("confidential receive:openings_out", "Nơi ghi dữ liệu mở cam kết (giá trị và muối, JSON, quyền 0600)"),
    ("confidential deposit", "Lưu lại dữ liệu mở cam kết của một vụ việc (sau một lần `receive` mà việc lưu bị lỗi): được đối chiếu với các cam kết của hành vi, chỉ lưu một lần"),
    ("confidential deposit:ledger", "Thư mục sổ cái (không có máy chủ nào đang chạy trên nó)"),
    ("confidential deposit:server", "Máy chủ (`http://127.0.0.1:8080`); xác thực bằng --token"),
    ("confidential deposit:case", "Mã vụ việc"),
    ("confidential deposit:openings", "Tệp dữ liệu mở cam kết mà `receive` đã ghi"),
    ("confidential show", "Đọc các giá trị bảo mật của một vụ việc bằng khóa của ủy ban; lần đọc được ghi vào nhật ký truy cập (do máy chủ ghi, hoặc ghi tại đây với sổ cái tại máy)"),
    ("confidential show:ledger", "Thư mục sổ cái (không có máy chủ nào đang chạy trên nó)"),
    ("confidential show:server", "Máy chủ (`http://127.0.0.1:8080`); xác thực bằng --token"),
    ("confidential show:case", "Mã vụ việc"),
    ("confidential show:identity", "Tệp khóa bí mật của ủy ban (do `confidential keygen` tạo)"),
    ("confidential show:why", "Lý do đọc (được ghi vào nhật ký truy cập)"),
    ("confidential show:json", "In kết quả dạng JSON thay cho văn bản"),
    ("confidential shred", "Hủy khóa một vụ việc khi hết thời hạn lưu giữ: hành vi `complaint.shredded` được ký và ghi vào sổ, rồi khóa của vụ việc bị hủy. Các giá trị của nó không còn đọc được; mọi chứng minh, điểm kiểm và hồ sơ lưu trữ vẫn xác minh được"),
    ("confidential shred:ledger", "Thư mục sổ cái (không có máy chủ nào đang chạy trên nó)"),
    ("confidential shred:server", "Máy chủ (`http://127.0.0.1:8080`); xác thực bằng --token"),
    ("confidential shred:case", "Mã vụ việc"),
    ("confidential shred:key", "Khóa ký của ủy ban kiểm tra"),
    ("confidential shred:retention_ended", "Ngày cuối cùng của thời hạn lưu giữ (YYYY-MM-DD)"),
    ("confidential shred:decision", "Quyết định của ủy ban (số và ngày)"),
    ("confidential shred:time", "Thời điểm của hành vi (RFC 3339); mặc định: bây giờ"),
    ("demo", "Dựng sổ cái đại hội Hải Dương 2020, xác minh nó và in báo cáo"),
    ("demo:ledger", "Nơi dựng sổ cái (một thư mục mới hoặc rỗng); mặc định: một thư mục tạm, xóa đi sau đó"),
    ("demo:keys_out", "Ghi thêm khóa ký của các cơ quan trong bản trình diễn vào đây (một thư mục mới: `authority.key`, `presidium.key`, `counting.key`, …) để ghi tiếp hành vi vào sổ cái trình diễn. Các khóa này sinh từ nhãn công khai: chỉ để dùng thử công cụ, không bao giờ cho một bản ghi thật"),
    ("demo:json", "In kết quả dạng JSON thay cho văn bản"),
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::localize::{arg_key, sub_path};
    use clap::CommandFactory;

    /// Every key of the command tree as the doc comments give it, with its English.
    fn keys(cmd: &clap::Command, path: &str, out: &mut Vec<(String, String)>) {
        let en = cmd
            .get_long_about()
            .or(cmd.get_about())
            .map(|s| s.to_string());
        out.push((path.to_string(), en.unwrap_or_default()));
        for arg in cmd.get_arguments() {
            let en = arg
                .get_long_help()
                .or(arg.get_help())
                .map(|s| s.to_string());
            out.push((arg_key(path, arg), en.unwrap_or_default()));
        }
        for sub in cmd.get_subcommands() {
            keys(sub, &sub_path(path, sub.get_name()), out);
        }
    }

    /// A letter only Vietnamese writes (đ, ơ, ư, ă, â, ê, ô, or a tone mark): a text without
    /// one is not Vietnamese, whatever else it holds.
    fn has_vietnamese_letter(text: &str) -> bool {
        text.chars().any(|c| c.is_alphabetic() && !c.is_ascii())
    }

    /// NFC: no combining mark is left over (decomposed Vietnamese has them, U+0300–U+036F,
    /// U+1DC0–U+1DFF).
    fn is_composed(text: &str) -> bool {
        !text
            .chars()
            .any(|c| matches!(c as u32, 0x0300..=0x036F | 0x1DC0..=0x1DFF))
    }

    #[test]
    fn every_command_and_argument_has_its_vietnamese_and_english_help() {
        let mut all = Vec::new();
        keys(&crate::Cli::command(), "", &mut all);
        let missing: Vec<String> = all
            .iter()
            .filter(|(k, _)| get(k).is_none())
            .map(|(k, en)| format!("    ({k:?}, {en:?}),"))
            .collect();
        assert!(
            missing.is_empty(),
            "no Vietnamese help in help_vi::HELP for:\n{}",
            missing.join("\n")
        );
        let no_english: Vec<&str> = all
            .iter()
            .filter(|(_, en)| en.trim().is_empty())
            .map(|(k, _)| k.as_str())
            .collect();
        assert!(
            no_english.is_empty(),
            "no English help (a `///` doc comment) for: {no_english:?}"
        );
    }

    #[test]
    fn every_vietnamese_entry_is_vietnamese_composed_and_used() {
        let mut all = Vec::new();
        keys(&crate::Cli::command(), "", &mut all);
        for (i, (key, vi)) in HELP.iter().enumerate() {
            assert!(
                has_vietnamese_letter(vi),
                "help_vi `{key}` has no Vietnamese letter: {vi:?}"
            );
            assert!(is_composed(vi), "help_vi `{key}` is not NFC: {vi:?}");
            assert!(
                all.iter().any(|(k, _)| k == key),
                "help_vi `{key}` names no command or argument"
            );
            assert!(
                !HELP[..i].iter().any(|(k, _)| k == key),
                "help_vi `{key}` is given twice"
            );
        }
    }

    #[test]
    fn the_checks_catch_english_and_decomposed_text() {
        assert!(!has_vietnamese_letter("The ledger directory"));
        assert!(has_vietnamese_letter("Thư mục sổ cái"));
        assert!(!is_composed("Thu\u{031B} mu\u{0323}c"));
        assert!(is_composed("Thư mục"));
    }
}
