/* ---- state ---- */
MTYPE q[NCH*CAP];            /* channel ch = socket*12 + direction*3 + slot (request|snoop, response, data); FIFO from index 0 */
byte qn[NCH];
byte cst[NA*NL]; bit cd[NA*NL]; byte cpend[NA*NL];           /* core complex of socket s, line l: index s*NL+l */
MTYPE cpk[NA*NL*PCAP]; byte cpn[NA*NL];                        /* its parked messages */
byte lst[NA*NL]; bit ld[NA*NL]; byte lsh[NA*NL]; byte lown[NA*NL]; byte lreq[NA*NL]; byte lacks[NA*NL];  /* LLC (lown: owner+1) */
MTYPE lpk[NA*NL*PCAP]; byte lpn[NA*NL];
byte hst[NL]; byte hsh[NL]; byte hown[NL]; byte hreq[NL]; byte hresp[NL]; bit hd[NL];  /* home directory (hown: owner+1) */
MTYPE hpk[NL*PCAP]; byte hps[NL*PCAP]; byte hpn[NL];
bit mem[NL];                 /* home memory (CPU) or the FMem block's frame (FPGA) */
byte fblk; byte frec; bit rmem[NL];   /* FPGA: block state, lines still to recall, remote memory */

/* ---- scratch: written before read within a step and zeroed at its end, so it adds nothing to
   the states (not hidden: SPIN does not undo hidden variables when it backtracks) ---- */
byte sel_, s_, l_, x_, k_, d_, src_, ev_, bef_, nxt_, a_, k2_, tg_, cnt_, exp_, acks_, hasm_, again_, w_, rd_, l2_, hb_, oth_, ch_, i_, dir_;
short r_, ai_, ae_, j_, m_;
MTYPE stk[SCAP]; byte stks[SCAP]; byte stn;

#define KIND(m) ((m) / (2*NL))
#define LINE(m) (((m) / 2) % NL)
#define ISREQ(m) (KIND(m) == M_RdShared || KIND(m) == M_RdOwn || KIND(m) == M_UpgradeReq)

inline initState() {
  j_ = 0;
  do
  :: j_ < NL -> mem[j_] = 1 - FPGA; rmem[j_] = FPGA; j_++
  :: else -> break
  od;
  fblk = F_ABSENT   /* FPGA: the block starts in remote memory */
}

inline sendTo(dir, s, k, l, d) {
  ch_ = (s)*12 + (dir)*3 + kslot[k];
  assert(kdir[k] == (dir));
  assert(qn[ch_] < CAP);   /* channel capacity */
  q[ch_*CAP + qn[ch_]] = PACK(k, l, (kdata[k] -> (d) : 0));
  qn[ch_]++
}

inline push(m, src) {
  assert(stn < SCAP);
  stk[stn] = m; stks[stn] = src; stn++
}

inline pop() {
  stn--; m_ = stk[stn]; src_ = stks[stn]; stk[stn] = 0; stks[stn] = 0;
  k_ = KIND(m_); l_ = LINE(m_); d_ = m_ % 2
}

/* A store makes a fresh value: every other copy of the line, wherever it is, is stale. */
inline storeFresh() {
  j_ = 0;
  do
  :: j_ < NA -> cd[j_*NL + l_] = 0; ld[j_*NL + l_] = 0; j_++
  :: else -> break
  od;
  hd[l_] = 0; mem[l_] = 0; rmem[l_] = 0;
  j_ = 0;
  do
  :: j_ < NCH*CAP -> if :: LINE(q[j_]) == l_ -> q[j_] = q[j_] - q[j_] % 2 :: else -> skip fi; j_++
  :: else -> break
  od;
  j_ = 0;
  do
  :: j_ < NA*NL*PCAP ->
 if :: LINE(cpk[j_]) == l_ -> cpk[j_] = cpk[j_] - cpk[j_] % 2 :: else -> skip fi;
 if :: LINE(lpk[j_]) == l_ -> lpk[j_] = lpk[j_] - lpk[j_] % 2 :: else -> skip fi;
 j_++
  :: else -> break
  od;
  j_ = 0;
  do
  :: j_ < NL*PCAP -> if :: LINE(hpk[j_]) == l_ -> hpk[j_] = hpk[j_] - hpk[j_] % 2 :: else -> skip fi; j_++
  :: else -> break
  od;
  j_ = 0;
  do
  :: j_ < stn -> if :: LINE(stk[j_]) == l_ -> stk[j_] = stk[j_] - stk[j_] % 2 :: else -> skip fi; j_++
  :: else -> break
  od
}

/* ---- core complex (CoreComplexController) ---- */
inline coreComplete() {
  if
  :: cpend[x_] == OP_LOAD -> assert(cd[x_] == 1); cpend[x_] = 0   /* a load returns the latest value */
  :: cpend[x_] == OP_STORE -> cpend[x_] = 0
  :: else -> skip
  fi
}

inline coreFire() {
  bef_ = cst[x_];
  r_ = cIdx[bef_*C_NE + ev_];
  assert(r_ > 0);   /* core: no row for (state, event) */
  r_ = r_ - 1;
  ai_ = cStart[r_]; ae_ = cStart[r_ + 1];
  if
  :: ae_ - ai_ == 1 && cAct[ai_] == CA_stall ->
     assert(hasm_); assert(cpn[x_] < PCAP);
     cpk[x_*PCAP + cpn[x_]] = PACK(k_, l_, d_); cpn[x_]++
  :: else ->
     do
     :: ai_ < ae_ ->
        a_ = cAct[ai_];
        if
        :: a_ == CA_hitLoad -> coreComplete()
        :: a_ == CA_hitStore ->
           if :: cpend[x_] == OP_STORE -> storeFresh(); cd[x_] = 1 :: else -> skip fi;
           coreComplete()
        :: a_ == CA_fillLoad -> assert(hasm_); cd[x_] = d_; coreComplete()
        :: a_ == CA_fillStore ->
           assert(hasm_); cd[x_] = d_;
           if :: cpend[x_] == OP_STORE -> storeFresh(); cd[x_] = 1 :: else -> skip fi;
           coreComplete()
        :: a_ == CA_dropLine || a_ == CA_stall -> skip
        :: else -> k2_ = cMsg[a_]; assert(k2_ != NOMSG); sendTo(DIR_CL, s_, k2_, l_, cd[x_])
        fi;
        ai_++
     :: else -> break
     od;
     nxt_ = cNext[r_]; cst[x_] = nxt_;
     if :: nxt_ == C_I -> cd[x_] = 0 :: else -> skip fi;
     if
     :: nxt_ != bef_ && cpn[x_] > 0 ->   /* release the parked messages, first on top */
        j_ = cpn[x_];
        do
        :: j_ > 0 -> j_--; push(cpk[x_*PCAP + j_], 0); cpk[x_*PCAP + j_] = 0
        :: else -> break
        od;
        cpn[x_] = 0
     :: else -> skip
     fi
  fi
}

inline coreReceive() {
  if
  :: k_ == M_Data -> ev_ = CE_Data
  :: k_ == M_DataE -> ev_ = CE_DataE
  :: k_ == M_DataM -> ev_ = CE_DataM
  :: k_ == M_GntM -> ev_ = CE_GntM
  :: k_ == M_PutAck -> ev_ = CE_PutAck
  :: k_ == M_Inv -> ev_ = CE_Inv
  :: k_ == M_Downgrade -> ev_ = CE_Downgrade
  :: else -> assert(false)   /* not a message for a core */
  fi;
  hasm_ = 1;
  coreFire()
}

inline coreDrain() {
  do
  :: stn > 0 -> pop(); x_ = s_*NL + l_; coreReceive()
  :: else -> break
  od
}

/* ---- socket LLC (LLCController); one core per socket: local core 0 ---- */
inline llcAction() {
  if
  :: a_ == LA_invalidateOthers || a_ == LA_invalidateAll || a_ == LA_downgradeOwner -> exp_ = 1
  :: else -> skip
  fi;
  if
  :: a_ == LA_allocate || a_ == LA_countAck || a_ == LA_stall || a_ == LA_deallocate -> skip
  :: a_ == LA_fill || a_ == LA_writeData -> assert(hasm_); ld[x_] = d_
  :: a_ == LA_grantS ->
     sendTo(DIR_LC, s_, M_Data, l_, ld[x_]);
     lsh[x_] = lsh[x_] | (1 << lreq[x_]);
     if :: lown[x_] == lreq[x_] + 1 -> lown[x_] = 0 :: else -> skip fi
  :: a_ == LA_grantE ->
     sendTo(DIR_LC, s_, M_DataE, l_, ld[x_]);
     lsh[x_] = lsh[x_] & ~(1 << lreq[x_]); lown[x_] = lreq[x_] + 1
  :: a_ == LA_grantM ->
     if
     :: (lsh[x_] & (1 << lreq[x_])) != 0 -> sendTo(DIR_LC, s_, M_GntM, l_, 0)
     :: else -> sendTo(DIR_LC, s_, M_DataM, l_, ld[x_])
     fi;
     lown[x_] = lreq[x_] + 1; lsh[x_] = 0
  :: a_ == LA_invalidateOthers || a_ == LA_invalidateAll ->
     tg_ = lsh[x_];
     if :: lown[x_] != 0 -> tg_ = tg_ | (1 << (lown[x_] - 1)) :: else -> skip fi;
     if :: a_ == LA_invalidateOthers -> tg_ = tg_ & ~(1 << lreq[x_]) :: else -> skip fi;
     assert(tg_ <= 1);
     if
     :: tg_ == 1 -> sendTo(DIR_LC, s_, M_Inv, l_, 0); lacks[x_] = 1
     :: else -> lacks[x_] = 0
     fi;
     lsh[x_] = lsh[x_] & ~tg_;
     if :: lown[x_] != 0 && (tg_ & (1 << (lown[x_] - 1))) != 0 -> lown[x_] = 0 :: else -> skip fi
  :: a_ == LA_downgradeOwner ->
     if
     :: lown[x_] != 0 -> sendTo(DIR_LC, s_, M_Downgrade, l_, 0); lacks[x_] = 1
     :: else -> lacks[x_] = 0
     fi
  :: a_ == LA_ownerToSharer ->
     if :: lown[x_] != 0 -> lsh[x_] = lsh[x_] | (1 << (lown[x_] - 1)); lown[x_] = 0 :: else -> skip fi
  :: a_ == LA_clearOwner -> lown[x_] = 0
  :: a_ == LA_removeSharer -> if :: hasm_ && src_ == 0 -> lsh[x_] = lsh[x_] & ~1 :: else -> skip fi
  :: a_ == LA_sendPutAck -> if :: hasm_ && src_ == 0 -> sendTo(DIR_LC, s_, M_PutAck, l_, 0) :: else -> skip fi
  :: else -> k2_ = lMsg[a_]; assert(k2_ != NOMSG); sendTo(DIR_LH, s_, k2_, l_, ld[x_])
  fi
}

inline llcFire() {
  again_ = 1;
  do
  :: again_ ->
     again_ = 0;
     bef_ = lst[x_];
     r_ = lIdx[bef_*L_NE + ev_];
     assert(r_ > 0);   /* llc: no row for (state, event) */
     r_ = r_ - 1;
     ai_ = lStart[r_]; ae_ = lStart[r_ + 1];
     if
     :: ae_ - ai_ == 1 && lAct[ai_] == LA_stall ->
        assert(hasm_); assert(lpn[x_] < PCAP);
        lpk[x_*PCAP + lpn[x_]] = PACK(k_, l_, d_); lpn[x_]++
     :: else ->
        if
        :: hasm_ && src_ == 0 && (ev_ == LE_GetS || ev_ == LE_GetS_Alone || ev_ == LE_GetS_Owned || ev_ == LE_GetM) -> lreq[x_] = 0
        :: else -> skip
        fi;
        exp_ = 0;
        do
        :: ai_ < ae_ -> a_ = lAct[ai_]; llcAction(); ai_++
        :: else -> break
        od;
        nxt_ = lNext[r_]; lst[x_] = nxt_;
        acks_ = lacks[x_];
        if
        :: nxt_ == L_I -> ld[x_] = 0; lsh[x_] = 0; lown[x_] = 0; lreq[x_] = 0; lacks[x_] = 0
        :: else -> skip
        fi;
        if
        :: exp_ && acks_ == 0 -> ev_ = LE_LastAck; hasm_ = 0; again_ = 1   /* nobody to wait for */
        :: else ->
           if
           :: nxt_ != bef_ && lpn[x_] > 0 ->
              j_ = lpn[x_];
              do
              :: j_ > 0 -> j_--; push(lpk[x_*PCAP + j_], (kdir[KIND(lpk[x_*PCAP + j_])] == DIR_HL -> 1 : 0)); lpk[x_*PCAP + j_] = 0
              :: else -> break
              od;
              lpn[x_] = 0
           :: else -> skip
           fi
        fi
     fi
  :: else -> break
  od
}

inline llcReceive() {   /* src_: 0 = the core, 1 = the home */
  if
  :: k_ == M_GetS ->
     if
     :: lown[x_] != 0 && lown[x_] - 1 != 0 -> ev_ = LE_GetS_Owned
     :: else -> if :: (lsh[x_] & ~1) == 0 -> ev_ = LE_GetS_Alone :: else -> ev_ = LE_GetS fi
     fi
  :: k_ == M_GetM -> lsh[x_] = lsh[x_] & ~1; ev_ = LE_GetM   /* a GetM says its sender holds no copy */
  :: k_ == M_Upgrade -> ev_ = LE_GetM
  :: k_ == M_PutM || k_ == M_PutE || k_ == M_PutS ->
     if
     :: lown[x_] == 1 && k_ != M_PutS -> ev_ = (k_ == M_PutM -> LE_PutOwnerDirty : LE_PutOwnerClean)
     :: else -> if :: lown[x_] == 1 || (lsh[x_] & 1) != 0 -> ev_ = LE_PutSharer :: else -> ev_ = LE_PutStale fi
     fi
  :: k_ == M_InvAck || k_ == M_DowngradeAck || k_ == M_InvAckData || k_ == M_DowngradeAckData ->
     assert(lacks[x_] > 0);   /* llc: unexpected ack */
     lacks[x_]--;
     if
     :: lacks[x_] == 0 -> ev_ = (k_ == M_InvAckData || k_ == M_DowngradeAckData -> LE_LastAckData : LE_LastAck)
     :: else -> ev_ = (k_ == M_InvAckData || k_ == M_DowngradeAckData -> LE_AckData : LE_Ack)
     fi
  :: k_ == M_Unblock -> ev_ = LE_Unblock
  :: k_ == M_DataS -> ev_ = LE_DataS
  :: k_ == M_DataEx -> ev_ = LE_DataEx
  :: k_ == M_GntE -> ev_ = LE_GntE
  :: k_ == M_WbAck -> ev_ = LE_WbAck
  :: k_ == M_SnpInv -> ev_ = LE_SnpInv
  :: k_ == M_SnpData -> ev_ = LE_SnpData
  :: else -> assert(false)   /* not a message for an LLC */
  fi;
  hasm_ = 1;
  llcFire()
}

inline llcDrain() {
  do
  :: stn > 0 -> pop(); x_ = s_*NL + l_; llcReceive()
  :: else -> break
  od
}

/* ---- home agent (DirectoryController; FPGA: plus the FMem block's eviction engine) ---- */
inline writeBackBlock() {
  j_ = 0;
  do
  :: j_ < NL -> rmem[j_] = mem[j_]; mem[j_] = 0; j_++
  :: else -> break
  od;
  fblk = F_ABSENT
}

inline snoopInv() {   /* SnpInv to every socket in tg_; hresp = how many */
  cnt_ = 0; j_ = 0;
  do
  :: j_ < NA ->
     if :: (tg_ & (1 << j_)) != 0 -> sendTo(DIR_HL, j_, M_SnpInv, l_, 0); cnt_++ :: else -> skip fi;
     j_++
  :: else -> break
  od;
  hresp[l_] = cnt_
}

inline homeAction() {
  if
  :: a_ == HA_readMemory -> hd[l_] = mem[l_]
  :: a_ == HA_writeMemory -> assert(hasm_); mem[l_] = d_; hd[l_] = d_
  :: a_ == HA_grantS ->
     sendTo(DIR_HL, hreq[l_], M_DataS, l_, hd[l_]);
     hsh[l_] = hsh[l_] | (1 << hreq[l_]);
     if :: hown[l_] == hreq[l_] + 1 -> hown[l_] = 0 :: else -> skip fi
  :: a_ == HA_grantE -> sendTo(DIR_HL, hreq[l_], M_DataEx, l_, hd[l_]); hown[l_] = hreq[l_] + 1; hsh[l_] = 0
  :: a_ == HA_grantOwnership -> sendTo(DIR_HL, hreq[l_], M_GntE, l_, 0); hown[l_] = hreq[l_] + 1; hsh[l_] = 0
  :: a_ == HA_snoopInvAll -> tg_ = hsh[l_]; snoopInv(); hsh[l_] = 0
  :: a_ == HA_writeRemote -> assert(hasm_ && NONINCL && fblk == F_ABSENT); rmem[l_] = d_; hd[l_] = d_
  :: a_ == HA_recalled ->
     assert(FPGA && fblk == F_EVICTING && (frec & (1 << l_)) != 0);   /* recalled a line not being evicted */
     frec = frec & ~(1 << l_);
     if :: frec == 0 -> writeBackBlock() :: else -> skip fi
  :: a_ == HA_snoopInvSharers -> tg_ = hsh[l_] & ~(1 << hreq[l_]); snoopInv(); hsh[l_] = hsh[l_] & (1 << hreq[l_])
  :: a_ == HA_snoopInvOwner -> assert(hown[l_] != 0); sendTo(DIR_HL, hown[l_] - 1, M_SnpInv, l_, 0); hresp[l_] = 1
  :: a_ == HA_snoopDataOwner -> assert(hown[l_] != 0); sendTo(DIR_HL, hown[l_] - 1, M_SnpData, l_, 0); hresp[l_] = 1
  :: a_ == HA_countRsp || a_ == HA_stall -> skip
  :: a_ == HA_ownerToSharer ->
     if :: hown[l_] != 0 -> hsh[l_] = hsh[l_] | (1 << (hown[l_] - 1)); hown[l_] = 0 :: else -> skip fi
  :: a_ == HA_clearOwner -> hown[l_] = 0
  :: a_ == HA_removeSender -> assert(hasm_); hsh[l_] = hsh[l_] & ~(1 << src_)
  :: a_ == HA_sendWbAck -> assert(hasm_); sendTo(DIR_HL, src_, M_WbAck, l_, 0)
  :: else -> assert(false)
  fi
}

inline homeFire() {
  bef_ = hst[l_];
  r_ = hIdx[bef_*H_NE + ev_];
  assert(r_ > 0);   /* home: no row for (state, event) */
  r_ = r_ - 1;
  ai_ = hStart[r_]; ae_ = hStart[r_ + 1];
  if
  :: ae_ - ai_ == 1 && hAct[ai_] == HA_stall ->
     assert(hasm_); assert(hpn[l_] < PCAP);
     hpk[l_*PCAP + hpn[l_]] = PACK(k_, l_, d_); hps[l_*PCAP + hpn[l_]] = src_; hpn[l_]++
  :: else ->
     if :: hasm_ && (k_ == M_RdShared || k_ == M_RdOwn || k_ == M_UpgradeReq) -> hreq[l_] = src_ :: else -> skip fi;
     do
     :: ai_ < ae_ -> a_ = hAct[ai_]; homeAction(); ai_++
     :: else -> break
     od;
     nxt_ = hNext[r_]; hst[l_] = nxt_;
     if
     :: nxt_ == H_I -> hsh[l_] = 0; hown[l_] = 0; hreq[l_] = 0; hresp[l_] = 0; hd[l_] = 0
     :: else -> skip
     fi;
     if
     :: nxt_ != bef_ && hpn[l_] > 0 ->
        j_ = hpn[l_];
        do
        :: j_ > 0 -> j_--; push(hpk[l_*PCAP + j_], hps[l_*PCAP + j_]); hpk[l_*PCAP + j_] = 0; hps[l_*PCAP + j_] = 0
        :: else -> break
        od;
        hpn[l_] = 0
     :: else -> skip
     fi
  fi
}

inline homeReceive() {   /* src_: the sending socket */
  hb_ = 1 << src_; oth_ = hsh[l_] & ~hb_;
  if
  :: k_ == M_RdShared ->
     if
     :: hown[l_] != 0 && hown[l_] - 1 != src_ -> ev_ = HE_RdShared_Owned
     :: else -> if :: oth_ == 0 -> ev_ = HE_RdShared_Alone :: else -> ev_ = HE_RdShared fi
     fi
  :: k_ == M_RdOwn || k_ == M_UpgradeReq ->
     if
     :: hown[l_] != 0 && hown[l_] - 1 != src_ -> ev_ = HE_RdOwn_Owned
     :: else ->
        if
        :: k_ == M_UpgradeReq && (hsh[l_] & hb_) != 0 -> ev_ = (oth_ == 0 -> HE_Upgrade_Alone : HE_Upgrade_Shared)
        :: else -> if :: oth_ != 0 -> ev_ = HE_RdOwn_Shared :: else -> ev_ = HE_RdOwn_Alone fi
        fi
     fi
  :: k_ == M_WbDirty || k_ == M_WbClean || k_ == M_WbShared ->
     if
     :: hown[l_] == src_ + 1 && k_ == M_WbDirty && NONINCL && fblk == F_ABSENT -> ev_ = HE_WbOwnerDirty_Released
     :: hown[l_] == src_ + 1 && k_ != M_WbShared && !(k_ == M_WbDirty && NONINCL && fblk == F_ABSENT) ->
        ev_ = (k_ == M_WbDirty -> HE_WbOwnerDirty : HE_WbOwnerClean)
     :: else ->
        if
        :: (hsh[l_] & hb_) != 0 -> ev_ = (oth_ == 0 -> HE_WbLastSharer : HE_WbSharer)
        :: else -> ev_ = HE_WbStale
        fi
     fi
  :: k_ == M_CmpAck -> ev_ = HE_CmpAck
  :: k_ == M_RspI || k_ == M_RspIWb || k_ == M_RspS || k_ == M_RspSWb ->
     assert(hresp[l_] > 0);   /* home: unexpected snoop response */
     hresp[l_]--;
     if
     :: hresp[l_] > 0 -> ev_ = HE_Rsp
     :: k_ == M_RspI && hresp[l_] == 0 -> ev_ = HE_LastRspI
     :: k_ == M_RspIWb && hresp[l_] == 0 -> ev_ = HE_LastRspIData
     :: k_ == M_RspS && hresp[l_] == 0 -> ev_ = HE_LastRspS
     :: k_ == M_RspSWb && hresp[l_] == 0 -> ev_ = HE_LastRspSData
     fi
  :: else -> assert(false)   /* not a message for a home */
  fi;
  hasm_ = 1;
  homeFire()
}

inline homeDrain() {
  do
  :: stn > 0 -> pop(); homeReceive()
  :: else -> break
  od
}

/* FPGA, inclusive: recall the lines the sockets hold, and write the block back once they are home */
inline recallLines() {
  fblk = F_EVICTING; frec = 0;
  l_ = 0;
  do
  :: l_ < NL -> if :: hst[l_] != H_I -> frec = frec | (1 << l_) :: else -> skip fi; l_++
  :: else -> break
  od;
  if
  :: frec == 0 -> writeBackBlock()
  :: else ->
     l_ = 0;
     do
     :: l_ < NL ->
        if :: hst[l_] != H_I -> ev_ = HE_Recall; hasm_ = 0; src_ = 0; homeFire() :: else -> skip fi;
        l_++
     :: else -> break
     od
  fi
}

/* FPGA: evict the block (every line's home state is stable): recall the lines the sockets hold,
   or (NONINCL) release them, and the block is written back at once */
inline startEviction() {
  if
  :: NONINCL ->
     l_ = 0;
     do
     :: l_ < NL ->
        if :: hst[l_] != H_I -> ev_ = HE_Release; hasm_ = 0; src_ = 0; homeFire() :: else -> skip fi;
        l_++
     :: else -> break
     od;
     writeBackBlock()
  :: else -> recallLines()
  fi
}

inline take() {   /* remove message i_ of channel ch_ into m_ */
  m_ = q[ch_*CAP + i_];
  j_ = i_;
  do
  :: j_ + 1 < qn[ch_] -> q[ch_*CAP + j_] = q[ch_*CAP + j_ + 1]; j_++
  :: else -> break
  od;
  q[ch_*CAP + qn[ch_] - 1] = 0; qn[ch_]--
}

/* SWMR: per line at most one core holds E or M, and then no core holds S */
inline checkSWMR() {
  l2_ = 0;
  do
  :: l2_ < NL ->
     w_ = 0; rd_ = 0; j_ = 0;
     do
     :: j_ < NA ->
        if
        :: cst[j_*NL + l2_] == C_E || cst[j_*NL + l2_] == C_M -> w_++
        :: cst[j_*NL + l2_] == C_S -> rd_++
        :: else -> skip
        fi;
        j_++
     :: else -> break
     od;
     assert(w_ <= 1 && (w_ == 0 || rd_ == 0));   /* SWMR */
     l2_++
  :: else -> break
  od
}

inline finish() {   /* the checks after every event, and the scratch zeroed */
  checkSWMR();
  sel_ = 0; s_ = 0; l_ = 0; x_ = 0; k_ = 0; d_ = 0; src_ = 0; ev_ = 0; bef_ = 0; nxt_ = 0; a_ = 0; k2_ = 0; tg_ = 0;
  cnt_ = 0; exp_ = 0; acks_ = 0; hasm_ = 0; again_ = 0; w_ = 0; rd_ = 0; l2_ = 0; hb_ = 0; oth_ = 0; ch_ = 0; i_ = 0;
  dir_ = 0; r_ = 0; ai_ = 0; ae_ = 0; j_ = 0; m_ = 0; stn = 0   /* stk, stks: zeroed by pop */
}

/* One event, executed atomically: the controller runs it and everything it releases at once
   (SPIN rejects one d_step this long, so a few d_steps inside the event's atomic sequence). */
inline step() {
  if
  :: sel_ == EV_LOAD || sel_ == EV_STORE || sel_ == EV_EVICT ->
     d_step {
       stn = 0; x_ = s_*NL + l_; hasm_ = 0; k_ = 0; d_ = 0; src_ = 0;
       if
       :: sel_ == EV_LOAD -> cpend[x_] = OP_LOAD; ev_ = CE_Load
       :: sel_ == EV_STORE -> cpend[x_] = OP_STORE; ev_ = CE_Store
       :: else -> ev_ = CE_Evict
       fi;
       coreFire(); coreDrain(); finish()
     }
  :: sel_ == EV_REPLACE ->
     d_step { stn = 0; x_ = s_*NL + l_; hasm_ = 0; k_ = 0; d_ = 0; src_ = 0; ev_ = LE_Replace; llcFire(); llcDrain(); finish() }
  :: sel_ == EV_EVICTBLOCK -> d_step { stn = 0; startEviction(); homeDrain(); finish() }
  :: sel_ == EV_DELIVER ->
     d_step { stn = 0; take(); s_ = ch_ / 12; dir_ = (ch_ % 12) / 3 };
     if
     :: dir_ == DIR_LC -> d_step { push(m_, 0); coreDrain(); finish() }
     :: dir_ == DIR_CL || dir_ == DIR_HL -> d_step { push(m_, (dir_ == DIR_HL -> 1 : 0)); llcDrain(); finish() }
     :: dir_ == DIR_LH ->
        d_step {
          if
          :: FPGA && fblk == F_ABSENT && ISREQ(m_) ->   /* fetch the block back from remote memory */
             j_ = 0;
             do
             :: j_ < NL -> mem[j_] = rmem[j_]; j_++
             :: else -> break
             od;
             fblk = F_RESIDENT
          :: else -> skip
          fi;
          push(m_, s_); homeDrain(); finish()
        }
     fi
  fi
}
