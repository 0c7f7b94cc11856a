"""A labelled set of narrative reports written the way officials write them (tables, passives, hedges,
bullets under a lead-in line, numbers in words, a section typed without diacritics, contradictions), read
end to end (file → sections → checklist, recommendations), against gold values for every checklist item
and gold recommendations with their addressees. Accuracy is asserted per item family; every miss is listed.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from sketket.analysis.checklist import load_checklist, unit_checklist
from sketket.analysis.lessons import load_themes, recommendations
from sketket.intake.narrative import read_narrative
from sketket.registry import load_registry

# Gold codes: Y Có, N Không, P Một phần, Z Không phát sinh, S Không nêu, F two sentences disagree (value
# Không nêu, flagged); ":n" the figure.
CODES = {"Y": "Có", "N": "Không", "P": "Một phần", "Z": "Không phát sinh", "S": "Không nêu", "F": "Không nêu"}
LETTERS = {"II.2.c": "c) Các văn bản triển khai thực hiện cơ chế một cửa, cơ chế một cửa liên thông",
           "II.2.d": "d) Bộ phận tiếp nhận và trả kết quả",
           "II.2.đ": "đ) Việc triển khai thực hiện làm việc sáng thứ bảy hàng tuần",
           "II.2.e": "e) Việc tiếp nhận hồ sơ, trả kết quả giải quyết TTHC qua dịch vụ bưu chính công ích",
           "II.2.g": "g) Việc triển khai dịch vụ công trực tuyến mức độ 3, 4",
           "II.2.h": "h) Việc thực hiện xin lỗi đối với các trường hợp phải xin lỗi khi giải quyết TTHC",
           "II.2.k": "k) Việc tổ chức khảo sát, đánh giá mức độ hài lòng của cá nhân, tổ chức"}


def report(unit: str, body: dict[str, list[str]]) -> list[tuple[str, bool]]:
    """The outline's skeleton around each section's lines: (text, is a heading)."""
    lines: list[tuple[str, bool]] = [(unit, False), ("BÁO CÁO", True),
                                     ("Sơ kết thực hiện Quyết định số 07/2016/QĐ-UBND", True),
                                     ("I. ĐẶC ĐIỂM TÌNH HÌNH", True),
                                     ("Đơn vị triển khai cơ chế một cửa theo kế hoạch của Thành phố.", False),
                                     ("II. KẾT QUẢ THỰC HIỆN", True), ("1. Công tác chỉ đạo thực hiện", True),
                                     ("Lãnh đạo đơn vị trực tiếp chỉ đạo, thường xuyên kiểm tra.", False),
                                     ("2. Kết quả cụ thể", True)]
    for section, heading in LETTERS.items():
        lines.append((heading, True))
        lines += [(t, False) for t in body.get(section, ["Nội dung này đơn vị báo cáo tại biểu số liệu kèm theo."])]
    lines.append(("III. ĐỀ XUẤT, KIẾN NGHỊ", True))
    lines += [(t, False) for t in body.get("III", [])]
    return lines + [("Nơi nhận:", False), ("- Sở Nội vụ;", False), ("GIÁM ĐỐC", True)]


def write(path: Path, lines: list[tuple[str, bool]]) -> Path:
    """.docx (headings bold, "|" lines as table rows), .md ("##" headings) or .txt (plain lines)."""
    if path.suffix == ".docx":
        import docx

        doc = docx.Document()
        for text, heading in lines:
            if " | " in text:
                cells = text.split(" | ")
                table = doc.add_table(rows=1, cols=len(cells))
                for cell, value in zip(table.rows[0].cells, cells, strict=True):
                    cell.text = value
            else:
                doc.add_paragraph().add_run(text).bold = heading
        doc.save(str(path))
    else:
        md = path.suffix == ".md"
        path.write_text("\n".join(f"## {t}" if h and md else t for t, h in lines) + "\n", encoding="utf-8")
    return path


REPORTS: dict[str, tuple[str, dict[str, list[str]], str, list[tuple[str, str]]]] = {}

REPORTS["ba-dinh.docx"] = ("UBND QUẬN BA ĐÌNH", {
    "II.2.c": ["Đơn vị đã ban hành các văn bản triển khai như sau:",
               "TT | Tên văn bản | Tình trạng",
               "1 | Quyết định công khai các TTHC thuộc thẩm quyền giải quyết | Đã ban hành, Quyết định số 112/QĐ-UBND ngày 05/4/2016",
               "2 | Quy trình giải quyết đối với từng TTHC | Đã ban hành",
               "3 | Quyết định kiện toàn Bộ phận tiếp nhận và trả kết quả | Đã ban hành",
               "4 | Nội quy, quy chế hoạt động của Bộ phận | Đang dự thảo",
               "5 | Quyết định phân công công chức làm việc tại Bộ phận | Đã ban hành",
               "6 | Quyết định cử Trưởng Bộ phận | Chưa ban hành",
               "7 | Quy chế phối hợp giải quyết TTHC liên thông | Chưa ban hành, đang lấy ý kiến các cơ quan",
               "8 | Mẫu Phiếu, Sổ theo quy định | Đã thực hiện"],
    "II.2.d": ["Bộ phận tiếp nhận và trả kết quả bố trí tại tầng 1 trụ sở UBND quận, diện tích 60 m², chưa đáp "
               "ứng diện tích tối thiểu theo quy định.",
               "Đến nay Bộ phận mới đạt 4/6 tiêu chí Bộ phận tiếp nhận và trả kết quả hiện đại theo Văn bản số "
               "2956/UBND-NC; đã trang bị hệ thống xếp hàng tự động, màn hình cảm ứng tra cứu TTHC, camera giám "
               "sát và phần mềm một cửa điện tử.",
               "Thiết bị đánh giá mức độ hài lòng chưa được trang bị do thiếu kinh phí.",
               "Chế độ bồi dưỡng cho cán bộ, công chức tại Bộ phận được chi trả hàng tháng theo Quyết định số "
               "09/2013/QĐ-UBND.",
               "Trang phục: chưa được cấp."],
    "II.2.đ": ["Thực hiện chỉ đạo của UBND Thành phố, Bộ phận tiếp nhận và trả kết quả của quận làm việc vào "
               "sáng thứ bảy hàng tuần; trong kỳ đã tiếp nhận một nghìn hai trăm năm mươi hồ sơ.",
               "Việc chi trả tiền làm thêm giờ cho cán bộ vẫn chưa được thực hiện."],
    "II.2.e": ["Đối với 15 TTHC thuộc lĩnh vực hộ tịch, đất đai, đơn vị đã tiếp nhận hồ sơ và trả kết quả qua "
               "dịch vụ bưu chính công ích."],
    "II.2.g": ["Quận đang triển khai 21 dịch vụ công trực tuyến mức độ 3 và 04 dịch vụ mức độ 4 trên Cổng dịch "
               "vụ công của Thành phố."],
    "II.2.h": ["Trong kỳ, quận không có hồ sơ giải quyết quá hạn nên không phải thực hiện xin lỗi."],
    "II.2.k": ["Quận đã tổ chức khảo sát mức độ hài lòng của người dân, tổ chức với 1.500 phiếu; kết quả 96,5% "
               "số người được hỏi hài lòng với sự phục vụ."],
    "III": ["Để tiếp tục thực hiện tốt cơ chế một cửa, quận kiến nghị một số nội dung sau:",
            "1. Đối với UBND Thành phố",
            "- Bố trí kinh phí cải tạo, mở rộng Bộ phận tiếp nhận và trả kết quả của quận.",
            "- Chỉ đạo các Sở, ngành kết nối phần mềm chuyên ngành với phần mềm một cửa điện tử của quận.",
            "2. Đối với các Sở, ngành",
            "- Sở Tài nguyên và Môi trường sớm hướng dẫn thống nhất thành phần hồ sơ cấp Giấy chứng nhận."],
}, "c_cong_khai=Y c_quy_trinh=Y c_thanh_lap=Y c_noi_quy=N c_phan_cong=Y c_truong_bp=N c_phoi_hop=N c_mau_phieu=Y "
   "d_hien_dai=P:4 d_dien_tich=N d_xep_hang=Y d_tra_cuu=Y d_camera=Y d_phan_mem=Y d_danh_gia=N d_boi_duong=Y "
   "d_trang_phuc=N dd_thu_bay=Y:1250 dd_them_gio=N e_buu_chinh=Y:15 g_truc_tuyen=Y:25 h_xin_loi=Z k_khao_sat=Y:96.5",
   [("thanh_pho", "Bố trí kinh phí cải tạo, mở rộng Bộ phận tiếp nhận và trả kết quả của quận."),
    ("thanh_pho", "Chỉ đạo các Sở, ngành kết nối phần mềm chuyên ngành với phần mềm một cửa điện tử của quận."),
    ("so_nganh", "Sở Tài nguyên và Môi trường sớm hướng dẫn thống nhất thành phần hồ sơ cấp Giấy chứng nhận.")])

REPORTS["so-tu-phap.txt"] = ("SỞ TƯ PHÁP", {
    "II.2.c": ["Quyết định số 12/QĐ-STP ngày 10/3/2016 của Giám đốc Sở về việc công khai các TTHC thuộc thẩm "
               "quyền giải quyết của Sở đã được ban hành và niêm yết tại trụ sở. Bộ phận tiếp nhận và trả kết "
               "quả được kiện toàn tại Quyết định số 45/QĐ-STP ngày 01/4/2016, trong đó phân công 05 công chức "
               "làm việc tại Bộ phận và cử 01 Phó Chánh Văn phòng làm Trưởng Bộ phận. Quy chế phối hợp giải "
               "quyết các TTHC liên thông giữa Sở và các cơ quan liên quan hiện đang được dự thảo, chưa ban hành. "
               "Sở chưa xây dựng quy trình giải quyết nội bộ đối với từng TTHC. Nội quy của Bộ phận đã được niêm "
               "yết công khai."],
    "II.2.d": ["Bộ phận tiếp nhận và trả kết quả của Sở cơ bản đáp ứng các tiêu chí hiện đại, còn thiếu thiết "
               "bị đánh giá mức độ hài lòng. Hệ thống lấy số thứ tự tự động và ki-ốt tra cứu thông tin đã được "
               "lắp đặt, đưa vào sử dụng từ tháng 6/2016. Cán bộ, công chức làm việc tại Bộ phận được hưởng chế "
               "độ bồi dưỡng theo quy định, được cấp đồng phục."],
    "II.2.đ": ["Sở chưa tổ chức làm việc vào sáng thứ bảy do đặc thù lĩnh vực, số lượng hồ sơ không nhiều."],
    "II.2.e": ["Sở đã ký hợp đồng với Bưu điện Thành phố; số TTHC tiếp nhận, trả kết quả qua dịch vụ bưu chính "
               "công ích: mười hai thủ tục."],
    "II.2.g": ["Đến nay, Sở cung cấp mười hai dịch vụ công trực tuyến mức độ 3; chưa có dịch vụ mức độ 4."],
    "II.2.h": ["Trong kỳ có 05 hồ sơ quá hạn; Sở đã gửi 3/5 thư xin lỗi đến cá nhân, tổ chức."],
    "II.2.k": ["Sở chưa tổ chức khảo sát mức độ hài lòng của người dân; dự kiến thực hiện trong quý IV/2017."],
    "III": ["Kiến nghị, đề xuất:",
            "- Đề nghị UBND Thành phố ban hành quy định về phí dịch vụ bưu chính công ích.",
            "- Kiến nghị Bộ Tư pháp sớm hướng dẫn thống nhất việc công bố TTHC."],
}, "c_cong_khai=Y c_quy_trinh=N c_thanh_lap=Y c_noi_quy=Y c_phan_cong=Y c_truong_bp=Y c_phoi_hop=N c_mau_phieu=S "
   "d_hien_dai=P d_dien_tich=S d_xep_hang=Y d_tra_cuu=Y d_camera=S d_phan_mem=S d_danh_gia=N d_boi_duong=Y "
   "d_trang_phuc=Y dd_thu_bay=N dd_them_gio=S e_buu_chinh=Y:12 g_truc_tuyen=Y:12 h_xin_loi=P:3 k_khao_sat=N",
   [("thanh_pho", "Đề nghị UBND Thành phố ban hành quy định về phí dịch vụ bưu chính công ích."),
    ("trung_uong", "Kiến nghị Bộ Tư pháp sớm hướng dẫn thống nhất việc công bố TTHC.")])

REPORTS["soc-son.txt"] = ("UBND HUYỆN SÓC SƠN", {
    "II.2.c": ["Về cơ bản, UBND huyện và các xã đã ban hành đầy đủ các văn bản triển khai theo hướng dẫn. Quyết "
               "định công khai TTHC, quy trình giải quyết từng TTHC, quyết định thành lập Bộ phận tiếp nhận và trả "
               "kết quả đã được ban hành ở cả hai cấp. Một số xã chưa ban hành quy chế phối hợp giải quyết TTHC "
               "liên thông. Nội quy, quyết định phân công công chức, quyết định cử Trưởng bộ phận đã ban hành tại "
               "20/26 xã, thị trấn."],
    "II.2.d": ["Bộ phận tiếp nhận và trả kết quả của huyện đã đáp ứng đủ 6/6 tiêu chí hiện đại theo Văn bản số "
               "2956/UBND-NC, gồm: diện tích tối thiểu, hệ thống xếp hàng tự động, màn hình cảm ứng tra cứu thông "
               "tin, camera giám sát, phần mềm một cửa điện tử liên thông và thiết bị đánh giá mức độ hài lòng.",
               "Tuy nhiên, tại cấp xã, một số Bộ phận một cửa chưa được trang bị camera giám sát.",
               "Cán bộ làm việc tại Bộ phận chưa được hưởng chế độ bồi dưỡng theo Quyết định số 09/2013/QĐ-UBND, "
               "chưa được cấp trang phục."],
    "II.2.đ": ["Từ tháng 5/2016, huyện duy trì làm việc sáng thứ bảy hàng tuần, tiếp nhận 2.345 hồ sơ; cán bộ làm "
               "việc sáng thứ bảy được chi trả làm thêm giờ theo quy định."],
    "II.2.e": ["Huyện chưa triển khai tiếp nhận hồ sơ, trả kết quả qua dịch vụ bưu chính công ích."],
    "II.2.g": ["Huyện chưa cung cấp dịch vụ công trực tuyến mức độ 3, 4 riêng; người dân sử dụng Cổng dịch vụ "
               "công của Thành phố."],
    "II.2.h": ["Đối với 37 hồ sơ quá hạn, huyện đã gửi văn bản xin lỗi đến tổ chức, cá nhân và hẹn lại thời gian "
               "trả kết quả."],
    "II.2.k": ["Huyện đã tổ chức lấy ý kiến đánh giá sự hài lòng qua phiếu khảo sát; tỷ lệ người dân hài lòng "
               "đạt chín mươi tám phần trăm."],
    "III": ["Khó khăn, vướng mắc:",
            "- Trụ sở UBND các xã chật hẹp, chưa bố trí được diện tích cho Bộ phận một cửa.",
            "- Biên chế cán bộ tại Bộ phận ít, thường xuyên phải kiêm nhiệm.",
            "Kiến nghị:",
            "- Đề nghị UBND Thành phố bố trí kinh phí xây dựng trụ sở cho các xã.",
            "- Đề nghị Sở Nội vụ bổ sung biên chế cho cấp xã."],
}, "c_cong_khai=Y c_quy_trinh=Y c_thanh_lap=Y c_noi_quy=P c_phan_cong=P c_truong_bp=P c_phoi_hop=P c_mau_phieu=S "
   "d_hien_dai=Y:6 d_dien_tich=Y d_xep_hang=Y d_tra_cuu=Y d_camera=P d_phan_mem=Y d_danh_gia=Y d_boi_duong=N "
   "d_trang_phuc=N dd_thu_bay=Y:2345 dd_them_gio=Y e_buu_chinh=N g_truc_tuyen=N h_xin_loi=Y:37 k_khao_sat=Y:98",
   [("thanh_pho", "Đề nghị UBND Thành phố bố trí kinh phí xây dựng trụ sở cho các xã."),
    ("so_nganh", "Đề nghị Sở Nội vụ bổ sung biên chế cho cấp xã.")])

REPORTS["cuc-thue.md"] = ("CỤC THUẾ THÀNH PHỐ HÀ NỘI", {
    "II.2.c": ["+ Quyết định công khai TTHC: Có", "+ Quy chế phối hợp: Không", "+ Trưởng bộ phận: đã cử"],
    "II.2.d": ["Bộ phận một cửa của Cục đặt tại tầng 1, có máy lấy số tự động, ki-ốt tra cứu. Chưa lắp camera "
               "giám sát."],
    "II.2.đ": ["Không tổ chức làm việc sáng thứ bảy (ngành thuế thực hiện theo quy định riêng của Tổng cục Thuế)."],
    "II.2.e": ["Cục Thuế chưa thực hiện tiếp nhận hồ sơ qua bưu chính công ích, tuy nhiên 100% tờ khai được nộp "
               "qua mạng."],
    "II.2.g": ["100% doanh nghiệp khai thuế qua mạng; Cục cung cấp 08 dịch vụ công trực tuyến mức độ 4."],
    "II.2.h": [],
    "II.2.k": ["Cục chưa thực hiện khảo sát."],
    "III": ["Đề nghị Tổng cục Thuế nâng cấp hệ thống khai thuế qua mạng."],
}, "c_cong_khai=Y c_quy_trinh=S c_thanh_lap=S c_noi_quy=S c_phan_cong=S c_truong_bp=Y c_phoi_hop=N c_mau_phieu=S "
   "d_hien_dai=S d_dien_tich=S d_xep_hang=Y d_tra_cuu=Y d_camera=N d_phan_mem=S d_danh_gia=S d_boi_duong=S "
   "d_trang_phuc=S dd_thu_bay=N dd_them_gio=S e_buu_chinh=N g_truc_tuyen=Y:8 h_xin_loi=S k_khao_sat=N",
   [("trung_uong", "Đề nghị Tổng cục Thuế nâng cấp hệ thống khai thuế qua mạng.")])

REPORTS["hoan-kiem.docx"] = ("UBND QUẬN HOÀN KIẾM", {
    "II.2.c": ["Quận đã ban hành đầy đủ các quyết định: công khai TTHC; quy trình giải quyết TTHC; kiện toàn Bộ "
               "phận tiếp nhận và trả kết quả; phân công công chức; cử Trưởng Bộ phận.",
               "Do quận không có TTHC liên thông thuộc thẩm quyền nên không phát sinh việc ban hành quy chế phối hợp.",
               "Nội quy của Bộ phận chưa được ban hành.",
               "Mẫu phiếu, sổ: thực hiện theo quy định của Thành phố."],
    "II.2.d": ["Bộ phận đã đáp ứng đủ tiêu chí hiện đại.", "Phần mềm một cửa điện tử được sử dụng từ năm 2015."],
    "II.2.đ": ["Quận không bố trí làm việc sáng thứ bảy vì Bộ phận đã làm việc cả ngày từ thứ hai đến thứ sáu.",
               "Do không làm việc sáng thứ bảy nên không phát sinh chi trả làm thêm giờ."],
    "II.2.e": ["Trong kỳ, không phát sinh hồ sơ tiếp nhận qua dịch vụ bưu chính công ích."],
    "II.2.g": ["Quận chưa có dịch vụ công trực tuyến mức độ 3, 4."],
    "II.2.h": ["Không phát sinh hồ sơ quá hạn, do đó không phải xin lỗi."],
    "II.2.k": ["Việc khảo sát mức độ hài lòng sẽ được thực hiện trong năm 2018."],
    "III": ["Đối với Trung ương", "- Sửa đổi Nghị định về kiểm soát TTHC cho phù hợp thực tiễn.",
            "Đối với Thành phố", "- Ban hành quy định thống nhất về mẫu phiếu, sổ."],
}, "c_cong_khai=Y c_quy_trinh=Y c_thanh_lap=Y c_noi_quy=N c_phan_cong=Y c_truong_bp=Y c_phoi_hop=Z c_mau_phieu=Y "
   "d_hien_dai=Y d_dien_tich=S d_xep_hang=S d_tra_cuu=S d_camera=S d_phan_mem=Y d_danh_gia=S d_boi_duong=S "
   "d_trang_phuc=S dd_thu_bay=N dd_them_gio=Z e_buu_chinh=Z g_truc_tuyen=N h_xin_loi=Z k_khao_sat=N",
   [("trung_uong", "Sửa đổi Nghị định về kiểm soát TTHC cho phù hợp thực tiễn."),
    ("thanh_pho", "Ban hành quy định thống nhất về mẫu phiếu, sổ.")])

REPORTS["so-xay-dung.txt"] = ("SỞ XÂY DỰNG", {
    "II.2.c": ["- Quyết định công khai TTHC: đã ban hành;", "- Quy chế phối hợp: đã ban hành;",
               "Qua rà soát, Sở chưa ban hành quy chế phối hợp giải quyết TTHC liên thông với các quận, huyện."],
    "II.2.d": ["Bộ phận tiếp nhận và trả kết quả đã đáp ứng đủ tiêu chí hiện đại.",
               "Bộ phận chưa đáp ứng tiêu chí hiện đại do thiếu diện tích."],
    "II.2.đ": ["Sở làm việc sáng thứ bảy hàng tuần.", "Chế độ làm thêm giờ được chi trả theo quy định."],
    "II.2.e": ["Da thuc hien tiep nhan 20 TTHC qua dich vu buu chinh cong ich."],  # typed without diacritics
    "II.2.g": ["So chua trien khai dich vu cong truc tuyen muc do 3, 4."],
    "II.2.h": ["Đã gửi 12 thư xin lỗi tới người dân."],
    "II.2.k": ["Tỷ lệ hài lòng: 95%."],
    "III": ["Khó khăn, vướng mắc: thủ tục cấp phép xây dựng còn phức tạp, nhiều khâu.",
            "Đề xuất, kiến nghị với UBND Thành phố:",
            "- Sớm ban hành quy định phân cấp cấp giấy phép xây dựng.",
            "- Đề nghị Bộ Xây dựng sửa đổi Thông tư hướng dẫn cấp phép."],
}, "c_cong_khai=Y c_quy_trinh=S c_thanh_lap=S c_noi_quy=S c_phan_cong=S c_truong_bp=S c_phoi_hop=F c_mau_phieu=S "
   "d_hien_dai=F d_dien_tich=N d_xep_hang=S d_tra_cuu=S d_camera=S d_phan_mem=S d_danh_gia=S d_boi_duong=S "
   "d_trang_phuc=S dd_thu_bay=Y dd_them_gio=Y e_buu_chinh=Y:20 g_truc_tuyen=N h_xin_loi=Y:12 k_khao_sat=Y:95",
   [("thanh_pho", "Sớm ban hành quy định phân cấp cấp giấy phép xây dựng."),
    ("trung_uong", "Đề nghị Bộ Xây dựng sửa đổi Thông tư hướng dẫn cấp phép.")])

REPORTS["ba-vi.docx"] = ("UBND HUYỆN BA VÌ", {
    "II.2.c": ["Quyết định công khai TTHC, Quy trình giải quyết TTHC đã được ban hành từ năm 2016.",
               "Quyết định kiện toàn Bộ phận tiếp nhận và trả kết quả đang trình UBND huyện ký ban hành.",
               "Huyện sẽ ban hành Quy chế phối hợp trong quý IV/2017.",
               "Nội quy, quy chế hoạt động của Bộ phận dự kiến ban hành trong tháng 10/2017."],
    "II.2.d": ["Bộ phận một cửa của huyện đang được cải tạo, dự kiến đạt tiêu chí hiện đại vào cuối năm 2017.",
               "Hiện đã có hai màn hình tra cứu và một camera giám sát."],
    "II.2.đ": ["Huyện đang xây dựng kế hoạch làm việc sáng thứ bảy."],
    "II.2.e": ["Đã có mười lăm TTHC được tiếp nhận, trả kết quả qua bưu điện."],
    "II.2.g": ["Huyện có hai mươi mốt dịch vụ công trực tuyến mức độ 3."],
    "II.2.h": ["Đã thực hiện xin lỗi đối với tất cả 9 trường hợp hồ sơ quá hạn."],
    "II.2.k": ["Kết quả khảo sát: 92,4% người dân hài lòng."],
    "III": ["1. Kiến nghị với Trung ương:", "- Sớm sửa đổi Quyết định 09/2015/QĐ-TTg.",
            "2. Kiến nghị với Thành phố:", "- Hỗ trợ kinh phí cải tạo Bộ phận một cửa.",
            "- Đề nghị các Sở, ngành rút ngắn thời gian giải quyết hồ sơ liên thông."],
}, "c_cong_khai=Y c_quy_trinh=Y c_thanh_lap=N c_noi_quy=N c_phan_cong=S c_truong_bp=S c_phoi_hop=N c_mau_phieu=S "
   "d_hien_dai=N d_dien_tich=S d_xep_hang=S d_tra_cuu=Y d_camera=Y d_phan_mem=S d_danh_gia=S d_boi_duong=S "
   "d_trang_phuc=S dd_thu_bay=N dd_them_gio=S e_buu_chinh=Y:15 g_truc_tuyen=Y:21 h_xin_loi=Y:9 k_khao_sat=Y:92.4",
   [("trung_uong", "Sớm sửa đổi Quyết định 09/2015/QĐ-TTg."),
    ("thanh_pho", "Hỗ trợ kinh phí cải tạo Bộ phận một cửa."),
    ("so_nganh", "Đề nghị các Sở, ngành rút ngắn thời gian giải quyết hồ sơ liên thông.")])

REPORTS["so-y-te.txt"] = ("SỞ Y TẾ", {
    "II.2.c": ["Sở đã ban hành quyết định công khai TTHC, tuy nhiên việc công khai chưa đầy đủ tại các đơn vị "
               "trực thuộc.",
               "Quy trình giải quyết TTHC mới được ban hành cho 45/120 thủ tục.",
               "Bộ phận tiếp nhận và trả kết quả đã được thành lập.",
               "Quyết định phân công công chức làm việc tại Bộ phận cơ bản đã được ban hành cho các phòng chuyên "
               "môn."],
    "II.2.d": ["Bộ phận một cửa của Sở mới đạt 3 trên 6 tiêu chí hiện đại.",
               "Phần mềm một cửa điện tử đã được triển khai tại một số phòng chuyên môn.",
               "Camera giám sát mới được lắp đặt ở tầng 1."],
    "II.2.đ": ["Sở chưa tổ chức làm việc sáng thứ bảy."],
    "II.2.e": ["Sở đã triển khai tiếp nhận, trả kết quả qua bưu chính công ích đối với 25 TTHC, tuy nhiên số hồ sơ "
               "gửi qua bưu điện còn ít."],
    "II.2.g": ["Sở đã cung cấp 15 dịch vụ công trực tuyến, trong đó một số dịch vụ chưa có hồ sơ phát sinh."],
    "II.2.h": ["Sở chưa thực hiện đầy đủ việc xin lỗi đối với hồ sơ quá hạn."],
    "II.2.k": ["Sở đã khảo sát, tỷ lệ hài lòng đạt 89,5%, tuy nhiên một số đơn vị chưa tổ chức khảo sát."],
    "III": ["Đề nghị Bộ Y tế sớm ban hành hướng dẫn liên thông TTHC.",
            "Đề nghị UBND Thành phố đầu tư phần mềm dùng chung."],
}, "c_cong_khai=Y c_quy_trinh=P c_thanh_lap=Y c_noi_quy=S c_phan_cong=P c_truong_bp=S c_phoi_hop=S c_mau_phieu=S "
   "d_hien_dai=P:3 d_dien_tich=S d_xep_hang=S d_tra_cuu=S d_camera=P d_phan_mem=P d_danh_gia=S d_boi_duong=S "
   "d_trang_phuc=S dd_thu_bay=N dd_them_gio=S e_buu_chinh=Y:25 g_truc_tuyen=Y:15 h_xin_loi=P k_khao_sat=P:89.5",
   [("trung_uong", "Đề nghị Bộ Y tế sớm ban hành hướng dẫn liên thông TTHC."),
    ("thanh_pho", "Đề nghị UBND Thành phố đầu tư phần mềm dùng chung.")])

REPORTS["long-bien.md"] = ("UBND QUẬN LONG BIÊN", {
    "II.2.c": ["Các văn bản đã ban hành:", "- Quyết định công khai TTHC",
               "- Quyết định kiện toàn Bộ phận tiếp nhận và trả kết quả", "- Nội quy của Bộ phận",
               "Các văn bản chưa ban hành:", "- Quy chế phối hợp giải quyết TTHC liên thông",
               "- Quyết định cử Trưởng Bộ phận"],
    "II.2.d": ["Các tiêu chí đã đạt:", "- Diện tích tối thiểu", "- Hệ thống xếp hàng tự động",
               "Các tiêu chí chưa đạt:", "- Màn hình cảm ứng tra cứu thông tin",
               "- Thiết bị đánh giá mức độ hài lòng",
               "Như vậy, Bộ phận chưa đáp ứng đủ tiêu chí hiện đại."],
    "II.2.đ": ["Quận thực hiện làm việc sáng thứ 7 hàng tuần, trong 6 tháng đầu năm tiếp nhận 860 hồ sơ.",
               "Tiền làm thêm giờ: chưa chi trả."],
    "II.2.e": ["Số TTHC tiếp nhận qua bưu chính công ích: 30."],
    "II.2.g": ["Số dịch vụ công trực tuyến: mức độ 3: 40, mức độ 4: 5."],
    "II.2.h": ["Trong kỳ không phát sinh hồ sơ quá hạn."],
    "II.2.k": ["Chưa tổ chức khảo sát."],
    "III": ["Khó khăn", "- Cơ sở vật chất xuống cấp, phòng làm việc chật.",
            "- Đường truyền chậm, thường xuyên bị lỗi.", "Đề xuất",
            "- Đề nghị Sở Thông tin và Truyền thông nâng cấp đường truyền.",
            "- Đề nghị Thành phố bố trí kinh phí sửa chữa trụ sở Bộ phận một cửa."],
}, "c_cong_khai=Y c_quy_trinh=S c_thanh_lap=Y c_noi_quy=Y c_phan_cong=S c_truong_bp=N c_phoi_hop=N c_mau_phieu=S "
   "d_hien_dai=N d_dien_tich=Y d_xep_hang=Y d_tra_cuu=N d_camera=S d_phan_mem=S d_danh_gia=N d_boi_duong=S "
   "d_trang_phuc=S dd_thu_bay=Y:860 dd_them_gio=N e_buu_chinh=Y:30 g_truc_tuyen=Y:45 h_xin_loi=Z k_khao_sat=N",
   [("so_nganh", "Đề nghị Sở Thông tin và Truyền thông nâng cấp đường truyền."),
    ("thanh_pho", "Đề nghị Thành phố bố trí kinh phí sửa chữa trụ sở Bộ phận một cửa.")])

REPORTS["so-ke-hoach.docx"] = ("SỞ KẾ HOẠCH VÀ ĐẦU TƯ", {
    "II.2.c": ["Sở đã ban hành đầy đủ 08 văn bản triển khai theo Đề cương, gồm: quyết định công khai TTHC, quy "
               "trình giải quyết TTHC, quyết định kiện toàn Bộ phận, nội quy, quyết định phân công công chức, "
               "quyết định cử Trưởng Bộ phận, quy chế phối hợp và thực hiện mẫu phiếu, sổ theo quy định."],
    "II.2.d": ["Bộ phận một cửa chưa được trang bị hệ thống xếp hàng tự động, ki-ốt tra cứu, camera.",
               "Phần mềm một cửa điện tử và thiết bị đánh giá sự hài lòng đã đưa vào sử dụng."],
    "II.2.đ": ["Sở không làm việc sáng thứ bảy."],
    "II.2.e": ["Sở phối hợp với Bưu điện Thành phố trả kết quả đăng ký doanh nghiệp qua bưu chính cho ba mươi hai "
               "thủ tục."],
    "II.2.g": ["Toàn bộ 136 TTHC của Sở được cung cấp trực tuyến, trong đó có 102 dịch vụ công trực tuyến mức độ "
               "3 và ba mươi tư dịch vụ mức độ 4."],
    "II.2.h": ["Có 02 hồ sơ quá hạn, Sở đã gửi 02 thư xin lỗi."],
    "II.2.k": ["Sở chưa tiến hành khảo sát mức độ hài lòng năm 2017."],
    "III": ["Kiến nghị với Chính phủ:", "- Cho phép sử dụng chữ ký số trong đăng ký doanh nghiệp.",
            "Kiến nghị với UBND Thành phố:", "- Đầu tư nâng cấp Cổng dịch vụ công."],
}, "c_cong_khai=Y c_quy_trinh=Y c_thanh_lap=Y c_noi_quy=Y c_phan_cong=Y c_truong_bp=Y c_phoi_hop=Y c_mau_phieu=Y "
   "d_hien_dai=S d_dien_tich=S d_xep_hang=N d_tra_cuu=N d_camera=N d_phan_mem=Y d_danh_gia=Y d_boi_duong=S "
   "d_trang_phuc=S dd_thu_bay=N dd_them_gio=S e_buu_chinh=Y:32 g_truc_tuyen=Y:136 h_xin_loi=Y:2 k_khao_sat=N",
   [("trung_uong", "Cho phép sử dụng chữ ký số trong đăng ký doanh nghiệp."),
    ("thanh_pho", "Đầu tư nâng cấp Cổng dịch vụ công.")])

REPORTS["cau-giay.txt"] = ("UBND QUẬN CẦU GIẤY", {
    "II.2.c": ["Ngày 15/01/2016, UBND quận ban hành Quyết định số 150/QĐ-UBND về việc công khai bộ TTHC thuộc "
               "thẩm quyền giải quyết.",
               "Trưởng Bộ phận tiếp nhận và trả kết quả là 01 Phó Chánh Văn phòng, được cử tại Quyết định số "
               "151/QĐ-UBND.",
               "Quy chế phối hợp liên thông với Chi nhánh Văn phòng đăng ký đất đai chưa được xây dựng.",
               "Quy trình nội bộ giải quyết TTHC đã được ban hành, áp dụng ISO 9001:2008."],
    "II.2.d": ["Tại Bộ phận đã bố trí máy lấy số, màn hình tra cứu, camera; chưa có thiết bị đánh giá mức độ hài "
               "lòng.",
               "Diện tích Bộ phận chưa đảm bảo theo quy định (mới có 45 m²).",
               "Cán bộ tại Bộ phận được hưởng phụ cấp 500.000 đồng/tháng."],
    "II.2.đ": ["Sáng thứ bảy hàng tuần, Bộ phận tiếp nhận và trả kết quả vẫn làm việc bình thường; tổng số hồ sơ "
               "tiếp nhận vào sáng thứ bảy là 1.024 hồ sơ.",
               "Cán bộ làm việc sáng thứ bảy được nghỉ bù, không được chi trả làm thêm giờ."],
    "II.2.e": ["Việc tiếp nhận hồ sơ qua dịch vụ bưu chính công ích mới thực hiện ở 5 thủ tục lĩnh vực hộ tịch."],
    "II.2.g": ["Số DVC trực tuyến mức độ 3, 4 đang cung cấp: 56 dịch vụ."],
    "II.2.h": ["Quận đã thực hiện xin lỗi bằng văn bản đối với 100% hồ sơ quá hạn (14 hồ sơ)."],
    "II.2.k": ["Kết quả khảo sát cho thấy 97% người dân hài lòng, 3% chưa hài lòng."],
    "III": ["Kính đề nghị UBND Thành phố quan tâm đầu tư trụ sở Bộ phận một cửa.",
            "Kính đề nghị Sở Tài chính hướng dẫn chế độ bồi dưỡng."],
}, "c_cong_khai=Y c_quy_trinh=Y c_thanh_lap=S c_noi_quy=S c_phan_cong=S c_truong_bp=Y c_phoi_hop=N c_mau_phieu=S "
   "d_hien_dai=S d_dien_tich=N d_xep_hang=Y d_tra_cuu=Y d_camera=Y d_phan_mem=S d_danh_gia=N d_boi_duong=Y "
   "d_trang_phuc=S dd_thu_bay=Y:1024 dd_them_gio=N e_buu_chinh=P:5 g_truc_tuyen=Y:56 h_xin_loi=Y:14 k_khao_sat=Y:97",
   [("thanh_pho", "Kính đề nghị UBND Thành phố quan tâm đầu tư trụ sở Bộ phận một cửa."),
    ("so_nganh", "Kính đề nghị Sở Tài chính hướng dẫn chế độ bồi dưỡng.")])


REPORTS["dong-anh.docx"] = ("UBND HUYỆN ĐÔNG ANH", {
    "II.2.c": ["Ngay sau khi Quyết định số 07/2016/QĐ-UBND có hiệu lực, UBND huyện đã rà soát, ban hành Quyết định "
               "về việc công bố, công khai TTHC thuộc thẩm quyền giải quyết của UBND huyện và UBND cấp xã.",
               "Quy trình giải quyết TTHC theo cơ chế một cửa liên thông chưa được xây dựng cho các lĩnh vực đất "
               "đai, xây dựng; các lĩnh vực khác đã có quy trình.",
               "UBND huyện đã kiện toàn Bộ phận tiếp nhận và trả kết quả, bố trí 12 công chức thuộc các phòng "
               "chuyên môn làm việc thường xuyên tại Bộ phận.",
               "Quyết định cử Trưởng Bộ phận: Phó Chánh Văn phòng HĐND-UBND huyện kiêm nhiệm.",
               "Huyện chưa ban hành nội quy, quy chế hoạt động của Bộ phận mà áp dụng theo quy định chung của "
               "Thành phố."],
    "II.2.d": ["Bộ phận tiếp nhận và trả kết quả huyện có diện tích 120m², được bố trí khoa học, có khu vực chờ, "
               "khu vực viết hồ sơ.",
               "Trang thiết bị cơ bản đáp ứng yêu cầu; tuy vậy chưa có hệ thống camera giám sát và màn hình tra cứu.",
               "Huyện đã đưa vào sử dụng phần mềm một cửa điện tử từ năm 2014 và kết nối với 24/24 xã, thị trấn.",
               "Công chức tại Bộ phận được hưởng chế độ hỗ trợ theo Nghị quyết của HĐND Thành phố.",
               "Thiết bị đánh giá mức độ hài lòng đang được lắp đặt."],
    "II.2.đ": ["Thực hiện nghiêm túc việc làm việc sáng thứ bảy hàng tuần; trong 15 tháng, Bộ phận tiếp nhận tổng "
               "cộng 3.456 hồ sơ vào các buổi sáng thứ bảy.",
               "Cán bộ, công chức làm việc sáng thứ bảy được thanh toán chế độ làm thêm giờ."],
    "II.2.e": ["UBND huyện đã phối hợp với Bưu điện huyện Đông Anh triển khai tiếp nhận, trả kết quả qua dịch vụ "
               "bưu chính công ích cho toàn bộ TTHC thuộc thẩm quyền (136 thủ tục); tuy nhiên số hồ sơ thực hiện "
               "qua bưu chính mới đạt 45 hồ sơ."],
    "II.2.g": ["Hiện nay, huyện đang cung cấp 5 DVC mức độ 3 (cấp phép xây dựng, đăng ký kinh doanh hộ cá thể, "
               "chứng thực, hộ tịch, đất đai)."],
    "II.2.h": ["Trong kỳ có 126 hồ sơ quá hạn, Bộ phận đã gửi phiếu xin lỗi và hẹn lại ngày trả kết quả đối với "
               "120 hồ sơ, 06 hồ sơ chưa thực hiện xin lỗi."],
    "II.2.k": ["Năm 2016, huyện phối hợp với Viện Nghiên cứu phát triển kinh tế - xã hội Hà Nội khảo sát sự hài "
               "lòng; chỉ số hài lòng đạt 82,35%."],
    "III": ["Một số khó khăn, vướng mắc:",
            "- Nhiều TTHC lĩnh vực đất đai phải lấy ý kiến nhiều cơ quan, thời gian kéo dài.",
            "Đề xuất, kiến nghị:",
            "- Kiến nghị Thành phố giao chỉ tiêu biên chế cho Bộ phận một cửa cấp xã.",
            "- UBND Thành phố chỉ đạo Sở Tài nguyên và Môi trường rút ngắn thời gian luân chuyển hồ sơ."],
}, "c_cong_khai=Y c_quy_trinh=P c_thanh_lap=Y c_noi_quy=N c_phan_cong=Y c_truong_bp=Y c_phoi_hop=S c_mau_phieu=S "
   "d_hien_dai=S d_dien_tich=S d_xep_hang=S d_tra_cuu=N d_camera=N d_phan_mem=Y d_danh_gia=N d_boi_duong=Y "
   "d_trang_phuc=S dd_thu_bay=Y:3456 dd_them_gio=Y e_buu_chinh=Y:136 g_truc_tuyen=Y:5 h_xin_loi=P:120 "
   "k_khao_sat=Y:82.35",
   [("thanh_pho", "Kiến nghị Thành phố giao chỉ tiêu biên chế cho Bộ phận một cửa cấp xã."),
    ("thanh_pho", "UBND Thành phố chỉ đạo Sở Tài nguyên và Môi trường rút ngắn thời gian luân chuyển hồ sơ.")])

REPORTS["so-giao-thong.txt"] = ("SỞ GIAO THÔNG VẬN TẢI", {
    "II.2.c": ["Các quyết định công khai TTHC, thành lập Bộ phận tiếp nhận và trả kết quả, quy trình giải quyết "
               "TTHC, nội quy Bộ phận, phân công công chức, cử Trưởng Bộ phận đều đã được Giám đốc Sở ký ban hành "
               "trong năm 2016.",
               "Sở không ban hành quy chế phối hợp riêng vì các TTHC liên thông đã được quy định tại Quyết định của "
               "UBND Thành phố.",
               "Việc sử dụng mẫu phiếu, sổ theo quy định mới thực hiện tại Bộ phận của Sở, các đơn vị trực thuộc "
               "chưa thực hiện."],
    "II.2.d": ["Bộ phận được đầu tư hiện đại, đáp ứng đủ 6 tiêu chí theo Văn bản số 2956/UBND-NC.",
               "Sở chưa cấp trang phục cho công chức làm việc tại Bộ phận vì chưa có hướng dẫn về định mức.",
               "Mức bồi dưỡng 20.000 đồng/người/ngày làm việc.", "Chưa có hệ thống xếp hàng tự động."],
    "II.2.đ": ["Do đặc thù, Sở chỉ tiếp nhận hồ sơ vào sáng thứ bảy đối với lĩnh vực đăng ký xe, không áp dụng "
               "với các lĩnh vực khác.", "Sở chưa có kinh phí chi trả làm thêm giờ cho cán bộ."],
    "II.2.e": ["Sở chưa triển khai."],
    "II.2.g": ["Sở cung cấp 64 dịch vụ công trực tuyến, trong đó mức độ 3 là 50 dịch vụ, mức độ 4 là 14 dịch vụ."],
    "II.2.h": ["Sở đã thực hiện xin lỗi đối với 100% hồ sơ trễ hạn."],
    "II.2.k": ["Sở đã phối hợp tổ chức khảo sát, kết quả có 85% người dân hài lòng về thái độ phục vụ."],
    "III": ["Trên cơ sở kết quả thực hiện, Sở kiến nghị:",
            "a) Đối với Bộ Giao thông vận tải: sớm sửa đổi quy định về đăng ký xe.",
            "b) Đối với UBND Thành phố: bổ sung kinh phí hiện đại hóa Bộ phận một cửa."],
}, "c_cong_khai=Y c_quy_trinh=Y c_thanh_lap=Y c_noi_quy=Y c_phan_cong=Y c_truong_bp=Y c_phoi_hop=N c_mau_phieu=P "
   "d_hien_dai=Y:6 d_dien_tich=S d_xep_hang=N d_tra_cuu=S d_camera=S d_phan_mem=S d_danh_gia=S d_boi_duong=Y "
   "d_trang_phuc=N dd_thu_bay=P dd_them_gio=N e_buu_chinh=N g_truc_tuyen=Y:64 h_xin_loi=Y k_khao_sat=Y:85",
   [("trung_uong", "Đối với Bộ Giao thông vận tải: sớm sửa đổi quy định về đăng ký xe."),
    ("thanh_pho", "Đối với UBND Thành phố: bổ sung kinh phí hiện đại hóa Bộ phận một cửa.")])


def gold_values(spec: str) -> dict[str, tuple[str, float | None, bool]]:
    """"c_cong_khai=Y dd_thu_bay=Y:1250 …" → item → (value, number, flagged)."""
    out = {}
    for token in spec.split():
        item, code = token.split("=")
        letter, _, number = code.partition(":")
        out[item] = (CODES[letter], float(number) if number else None, letter == "F")
    return out


def family(item: str) -> str:
    return item.split("_")[0]


@pytest.fixture(scope="module")
def read(tmp_path_factory) -> pd.DataFrame:
    folder = tmp_path_factory.mktemp("gold")
    registry = load_registry()
    frames = []
    for name, (unit, body, _, _) in REPORTS.items():
        result = read_narrative(write(folder / name, report(unit, body)), name, registry)
        frames.append(result.sections)
    return pd.concat(frames, ignore_index=True)


def test_the_set_is_what_the_issue_asks(read):
    items = [i["id"] for i in load_checklist().items]
    golds = [gold_values(spec) for _, _, spec, _ in REPORTS.values()]
    assert len(REPORTS) >= 10
    assert all(list(g) == items for g in golds)  # every item, in the config's order
    stated = [v for g in golds for v, _, _ in g.values() if v != "Không nêu"]
    not_yes = sum(v != "Có" for v in stated)
    assert 0.4 <= not_yes / len(stated) <= 0.6, (not_yes, len(stated))
    assert {v for g in golds for v, _, _ in g.values()} == set(CODES.values())
    assert sum(n is not None for g in golds for _, n, _ in g.values()) >= 20
    # every report was found by its unit and read into its sections
    assert read["unit_code"].ne("").all() and read["source_file"].nunique() == len(REPORTS)
    placed = {(r.source_file, r.section): r.text for r in read.itertuples()}
    for name, (_, body, _, _) in REPORTS.items():
        for section, lines in body.items():
            if lines:
                assert lines[0].split(" | ")[0] in placed.get((name, section), ""), (name, section)


def test_checklist_accuracy_per_item_family(read):
    table = unit_checklist(read).set_index(["source_file", "item"])
    misses: dict[str, list[str]] = {}
    totals: dict[str, int] = {}
    wrong_yes = []
    for name, (_, _, spec, _) in REPORTS.items():
        for item, (value, number, flagged) in gold_values(spec).items():
            row = table.loc[(name, item)]
            got_number = None if pd.isna(row["number"]) else float(row["number"])
            got = (row["value"], got_number, bool(row["flag"]))
            totals[family(item)] = totals.get(family(item), 0) + 1
            if got != (value, number, flagged):
                misses.setdefault(family(item), []).append(
                    f"{name} {item}: {got} ≠ {(value, number, flagged)} ← {row['evidence']}")
                if row["value"] == "Có" and value != "Có":
                    wrong_yes.append(f"{name} {item}")
    report_lines = "\n".join(m for ms in misses.values() for m in ms)
    assert not wrong_yes, f"a wrong “Có” is worse than a blank:\n{report_lines}"
    accuracy = {f: 1 - len(misses.get(f, [])) / n for f, n in totals.items()}
    # c, d: documents and counter criteria; dd Saturday; e postal; g online; h apologies; k surveys
    assert all(a >= 0.95 for a in accuracy.values()), f"{accuracy}\n{report_lines}"
    # what is known not to be read yet, and why; a fixed miss or a new one shows here
    missed = {tuple(m.split(":")[0].split(" ")) for ms in misses.values() for m in ms}
    assert missed == KNOWN_MISSES, report_lines


KNOWN_MISSES = {
    # "… chưa được xây dựng cho các lĩnh vực đất đai, xây dựng; các lĩnh vực khác đã có quy trình": the second
    # half names the item only by "quy trình" after a semicolon; read as Không, not Một phần
    ("dong-anh.docx", "c_quy_trinh"),
}


def test_every_answer_keeps_the_sentence_it_was_read_from(read):
    table = unit_checklist(read)
    said = table[table["value"] != "Không nêu"]
    assert said["evidence"].str.len().gt(0).all()
    body = {name: " ".join(" ".join(v) for v in spec[1].values()) for name, spec in REPORTS.items()}
    for r in said.itertuples():
        for clause in r.evidence.split(" | "):
            assert clause.strip(" .;") and clause.split(":")[0].split(",")[0].strip() in body[r.source_file], clause
    flagged = table[table["flag"] != ""]
    assert set(zip(flagged["source_file"], flagged["item"], strict=True)) == {
        ("so-xay-dung.txt", "c_phoi_hop"), ("so-xay-dung.txt", "d_hien_dai")}
    assert flagged["evidence"].str.contains(" | ", regex=False).all()  # both sentences, for the analyst


def test_recommendations_with_their_addressees(read):
    rec = recommendations(read, load_themes())
    got = {(u, a, t) for a, t, units in zip(rec["addressee"], rec["recommendation"], rec["units"], strict=True)
           for u in units.split("; ")}
    units = {name: None for name in REPORTS}
    for name in REPORTS:
        units[name] = read.loc[read["source_file"] == name, "unit_name"].iloc[0]
    gold = {(units[name], a, t) for name, (_, _, _, recs) in REPORTS.items() for a, t in recs}
    missing, extra = sorted(gold - got), sorted(got - gold)
    assert not missing and not extra, f"missing: {missing}\nextra: {extra}"
