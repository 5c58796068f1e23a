# Pindai's test library on the SIP2 peer (Evergreen SIPServer's sample ILS):
# members with each kind of block and copies with Indonesian titles.
use utf8;
my %base = %{$ILS::Patron::patron_db{miker}};
sub member { my ($id, %more) = @_;
  $ILS::Patron::patron_db{$id} = { %base, id => $id, password => '2468', items => [], hold_items => [],
    overdue_items => [], fine_items => [], recall_items => [], unavail_holds => [], fines => 0,
    screen_msg => '', expire => '20991231', ptype => 'A', %more }; }
member('2171000042', name => 'Siti Rahmawati Putri');
member('2171000043', name => 'Budi Santoso');
member('2171000050', name => 'Agus Salim', charge_ok => 0, renew_ok => 0, hold_ok => 0,
       screen_msg => 'Kartu diblokir oleh petugas');
member('2171000051', name => 'Dewi Lestari', expire => '20200101', charge_ok => 0, renew_ok => 0,
       screen_msg => 'Masa berlaku kartu habis');
member('2171000052', name => 'Rudi Hartono', charge_ok => 0, excessive_fines => 1,
       fee_amount => '75000.00', currency => 'IDR', fine_items => ['Keterlambatan Laskar Pelangi'],
       screen_msg => 'Denda Rp 75.000 melebihi batas');
member('2171000053', name => 'Wahyu Pratama', card_lost => 1, charge_ok => 0,
       screen_msg => 'Kartu dilaporkan hilang');
sub copy { my ($id, $title, %more) = @_;
  $ILS::Item::item_db{$id} = { id => $id, title => $title, sip_media_type => '001',
    magnetic_media => 0, hold_queue => [], %more }; }
copy('PDB-0001', 'Laskar Pelangi');
copy('PDB-0002', 'Bumi Manusia — Pramoedya Ananta Toer');
copy('PDB-0003', 'Cantik Itu Luka');
copy('PDB-0004', 'Ronggeng Dukuh Paruk (édisi khusus)');
copy('PDB-0005', 'Sang Pemimpi', hold_queue => ['2171000043']);
copy('PDB-0006', 'Perahu Kertas');
copy('PDB-0007', 'Negeri 5 Menara');
copy('PDB-0008', 'Ayat-Ayat Cinta');
1;
